package one.webph.server.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs sipp (Debian sip-tester) against a server on loopback from a temporary work dir. Every process is bounded
 * in time and killed in {@link #close()} (use try-with-resources), so a failing test never leaves sipp behind.
 */
public class SippRunner implements AutoCloseable {
  private static final Path SIPP = Path.of("/usr/bin/sipp");

  private final Path workDir;
  private final List<Process> processes = new ArrayList<>();

  protected SippRunner(String prefix) throws IOException {
    workDir = Files.createTempDirectory(prefix);
  }

  public static boolean available() {
    return Files.isExecutable(SIPP);
  }

  public Path workDir() {
    return workDir;
  }

  /** An injection file with one number;password line; returns its file name (for {@code -inf}). */
  public String users(String name, String number, String password) throws IOException {
    Files.writeString(workDir.resolve(name + ".csv"), "SEQUENTIAL\n" + number + ";" + password + ";\n");
    return name + ".csv";
  }

  /**
   * Starts sipp; {@code server} (may be null for a UAS) then {@code args}. Output goes to NAME.log in the work dir.
   */
  public Process start(String logName, String server, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(SIPP.toString()));
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

  /** Runs sipp to completion (at most {@code seconds}); returns its exit code, -1 on timeout (then killed). */
  public int run(String logName, int seconds, String server, String... args) throws Exception {
    return waitFor(start(logName, server, args), seconds);
  }

  public static int waitFor(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return -1;
    }
    return p.exitValue();
  }

  /** The output of a run, with sipp's error logs if any (for assertion messages). */
  public String log(String logName) {
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
  public static int freePort() throws IOException {
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
    TestFiles.deleteRecursively(workDir);
  }
}
