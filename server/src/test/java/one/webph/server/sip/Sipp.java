package one.webph.server.sip;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the sipp scenarios of src/test/resources/sip/ against a server on loopback. Every process is bounded in
 * time and killed in {@link #close()} (use try-with-resources), so a failing test never leaves sipp behind.
 */
final class Sipp implements AutoCloseable {
  private final Path workDir;
  private final List<Process> processes = new ArrayList<>();

  Sipp() throws IOException {
    workDir = Files.createTempDirectory("wp-sipp-");
    for (String name : List.of("register_auth", "register_expired_nonce", "register_wrong_password", "uac_call_auth",
        "uac_call_busy", "uac_cancel", "uac_message", "uac_unknown", "uas_answer", "uas_busy", "uas_message",
        "uas_register_and_answer", "uas_ring", "options_flood", "options_ping", "uac_unavailable", "uac_call_timeout")) {
      try (InputStream in = Sipp.class.getResourceAsStream("/sip/" + name + ".xml")) {
        Files.copy(in, workDir.resolve(name + ".xml"));
      }
    }
  }

  static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/sipp"));
  }

  Path workDir() {
    return workDir;
  }

  /** An injection file with one number;password line. */
  Path users(String name, String number, String password) throws IOException {
    Path file = workDir.resolve(name + ".csv");
    Files.writeString(file, "SEQUENTIAL\n" + number + ";" + password + ";\n");
    return file;
  }

  /** Starts sipp; {@code args} come after the server address. Output goes to NAME.log in the work dir. */
  Process start(String logName, String server, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("/usr/bin/sipp");
    command.add(server);
    command.addAll(Arrays.asList(args));
    command.add("-nostdin");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve(logName + ".log").toFile());
    Process p = builder.start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  /** Runs sipp to completion (at most {@code seconds}); returns its exit code, -1 on timeout (then killed). */
  int run(String logName, int seconds, String server, String... args) throws Exception {
    Process p = start(logName, server, args);
    return waitFor(p, seconds);
  }

  static int waitFor(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return -1;
    }
    return p.exitValue();
  }

  /** The output of a run, with sipp's error log if any (for assertion messages). */
  String log(String logName) {
    StringBuilder out = new StringBuilder();
    try {
      out.append(Files.readString(workDir.resolve(logName + ".log")));
      try (var files = Files.list(workDir)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith("_errors.log")).toList()) {
          out.append("\n--- ").append(f.getFileName()).append('\n').append(Files.readString(f));
        }
      }
    } catch (IOException e) {
      out.append("(no log: ").append(e).append(')');
    }
    String s = out.toString();
    return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
  }

  /** A port free for both UDP and TCP on 127.0.0.1. */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        int port = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getByName("127.0.0.1"))) {
          return port;
        } catch (IOException busy) {
          // try another
        }
      }
    }
    throw new IOException("no port free for both UDP and TCP");
  }

  @Override
  public void close() {
    synchronized (processes) {
      for (Process p : processes) {
        if (p.isAlive()) {
          p.destroyForcibly();
          try {
            p.waitFor(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
    one.webph.server.testing.TestFiles.deleteRecursively(workDir);
  }
}
