package one.webph.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import one.webph.server.Main;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in a separate JVM, as an operator runs it (including against a running server). */
class CommandLineTest {
  @TempDir Path dir;

  record Result(int exitCode, String out, String err) {}

  private Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WEBPHONE_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void configErrorIsOneLineAndExitCode2() throws Exception {
    Result result = run(Map.of("WEBPHONE_HTTP_PORT", "70000"), "serve");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("webphone: configuration error: HTTP_PORT: 70000 is out of range 0-65535 "
        + "(from environment WEBPHONE_HTTP_PORT)\n");
    Result badUrl = run(Map.of("WEBPHONE_DB_URL", "jdbc:nosuch:x"), "numbers", "list");
    assertThat(badUrl.exitCode()).isEqualTo(2);
    assertThat(badUrl.err().lines()).singleElement().asString().startsWith("webphone: configuration error: DB_URL:");
    Result usage = run(Map.of(), "numbers", "frobnicate");
    assertThat(usage.exitCode()).isEqualTo(2);
  }

  @Test
  void adminCommandsWorkWhileTheServerRuns() throws Exception {
    try (TestServer server = TestServer.start(Map.of("NUMBER_RATE_LIMIT", "0"))) {
      Map<String, String> env = Map.of("WEBPHONE_DATA_DIR", server.dataDir().toString());

      Result add = run(env, "numbers", "add", "99910012345");
      assertThat(add.exitCode()).as(add.err()).isZero();
      Matcher printed = Pattern.compile("added 99910012345@localhost password: (\\S+)").matcher(add.out());
      assertThat(printed.find()).as(add.out()).isTrue();
      Subscriber stored = server.app().context().subscribers().findSubscriber("99910012345").await().orElseThrow();
      assertThat(stored.ha1()).isEqualTo(Credentials.ha1Md5("99910012345", "localhost", printed.group(1)));

      Result duplicate = run(env, "numbers", "add", "99910012345", "--password", "abcdefgh1");
      assertThat(duplicate.exitCode()).isEqualTo(1);
      assertThat(duplicate.err()).contains("already exists");

      String allocated = new io.vertx.core.json.JsonObject(
          server.postJson(server.https("/api/v1/numbers"), "{}").body()).getString("number");
      Result list = run(env, "numbers", "list");
      assertThat(list.exitCode()).isZero();
      assertThat(list.out()).contains("99910012345", allocated, "2 number(s)");

      Result passwd = run(env, "numbers", "passwd", "99910012345", "--password", "new-secret-1");
      assertThat(passwd.exitCode()).as(passwd.err()).isZero();
      assertThat(server.app().context().subscribers().findSubscriber("99910012345").await().orElseThrow().ha1())
          .isEqualTo(Credentials.ha1Md5("99910012345", "localhost", "new-secret-1"));

      Result migrate = run(env, "db", "migrate");
      assertThat(migrate.exitCode()).isZero();
      assertThat(migrate.out()).containsPattern("is at schema version [0-9.]+");

      Result remove = run(env, "numbers", "remove", "99910012345");
      assertThat(remove.exitCode()).isZero();
      assertThat(server.app().context().subscribers().findSubscriber("99910012345").await()).isEmpty();
      Result again = run(env, "numbers", "remove", "99910012345");
      assertThat(again.exitCode()).isEqualTo(1);
      assertThat(again.err()).isEqualTo("webphone: error: no such number: 99910012345\n");

      Result badNumber = run(env, "numbers", "add", "12ab");
      assertThat(badNumber.exitCode()).isEqualTo(1);
    }
  }

  @Test
  void serveStartsWithDefaultsAndStopsGracefullyOnSigterm() throws Exception {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("WEBPHONE_"));
    // Defaults except free ports (a developer's server may be running on 8080/8443).
    builder.environment().putAll(Map.of("WEBPHONE_HTTP_PORT", "0", "WEBPHONE_HTTPS_PORT", "0",
        "WEBPHONE_SIP_PORT", "0", "WEBPHONE_SIPS_PORT", "0", "WEBPHONE_BIND_ADDRESS", "127.0.0.1"));
    Process process = builder.start();
    process.getOutputStream().close();
    // Read the log on a separate thread: destroy() closes the pipe in this process.
    StringBuffer log = new StringBuffer();
    var ready = new java.util.concurrent.CountDownLatch(1);
    var readerDone = new java.util.concurrent.CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          log.append(line).append('\n');
          if (line.contains("ready for localhost")) {
            ready.countDown();
          }
        }
      } catch (IOException closed) {
        // the process ended
      } finally {
        readerDone.countDown();
      }
    });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(ready.await(60, TimeUnit.SECONDS)).as(log.toString()).isTrue();
      assertThat(log.toString()).contains("HTTP  listening").containsPattern("HTTPS listening on [^:]+:[1-9]");
      assertThat(dir.resolve("data/webphone.mv.db")).exists();
      assertThat(dir.resolve("data/tls/self-signed-cert.pem")).exists();
      // SIGTERM through the shell's kill, so the pipe stays open to read the shutdown log.
      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      readerDone.await(10, TimeUnit.SECONDS);
    } finally {
      process.destroyForcibly();
    }
    assertThat(log.toString()).contains("webphone stopped");
    assertThat(process.exitValue()).isEqualTo(143); // terminated by SIGTERM after the shutdown hook ran
    // H2 removes its lock file when the database is closed cleanly.
    assertThat(dir.resolve("data/webphone.lock.db")).doesNotExist();
  }
}
