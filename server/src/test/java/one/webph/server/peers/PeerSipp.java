package one.webph.server.peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs sipp scenarios (from /sip/ and /peers/ on the test classpath, placeholders {@code @NAME@} filled in)
 * against a server on loopback; every process is bounded in time and killed in {@link #close()}.
 */
final class PeerSipp implements AutoCloseable {
  private final Path workDir;
  private final List<Process> processes = new ArrayList<>();

  PeerSipp() throws IOException {
    workDir = Files.createTempDirectory("wp-peer-sipp-");
  }

  static boolean available() {
    return Files.isExecutable(Path.of("/usr/bin/sipp"));
  }

  /** Copies a scenario into the work dir with its placeholders replaced; returns the file name. */
  String scenario(String resource, String as, Map<String, String> values) throws IOException {
    String text;
    try (InputStream in = PeerSipp.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no scenario " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    for (Map.Entry<String, String> e : values.entrySet()) {
      text = text.replace("@" + e.getKey() + "@", e.getValue());
    }
    Files.writeString(workDir.resolve(as), text, StandardCharsets.ISO_8859_1);
    return as;
  }

  /** An injection file with one number;password line. */
  String users(String name, String number, String password) throws IOException {
    Files.writeString(workDir.resolve(name + ".csv"), "SEQUENTIAL\n" + number + ";" + password + ";\n");
    return name + ".csv";
  }

  Process start(String logName, String server, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/sipp"));
    if (server != null) {
      command.add(server);
    }
    command.addAll(Arrays.asList(args));
    command.add("-nostdin");
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve(logName + ".log").toFile()).start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  /** Runs to completion (at most {@code seconds}); the exit code, -1 on timeout (then killed). */
  int run(String logName, int seconds, String server, String... args) throws Exception {
    Process p = start(logName, server, args);
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return -1;
    }
    return p.exitValue();
  }

  String log(String logName) {
    StringBuilder out = new StringBuilder();
    try {
      out.append(Files.readString(workDir.resolve(logName + ".log"), StandardCharsets.ISO_8859_1));
      try (var files = Files.list(workDir)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith("_errors.log")).toList()) {
          out.append("\n--- ").append(f.getFileName()).append('\n')
              .append(Files.readString(f, StandardCharsets.ISO_8859_1));
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
