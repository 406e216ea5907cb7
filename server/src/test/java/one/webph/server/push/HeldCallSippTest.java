package one.webph.server.push;

import one.webph.webpush.PushServiceStandIn;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Held calls through the whole server (TestServer: push component, SIP proxy) with sipp on loopback: a caller
 * INVITEs a number with no device, the push reaches the push-service stand-in, then the callee's device registers
 * and the held INVITE reaches it; without a registration the caller gets 480 after PUSH_HOLD_SECONDS.
 */
class HeldCallSippTest {
  private static final String CALLER = "999100901";
  private static final String CALLEE = "999100902";
  private static final String NOBODY = "999100903";
  private static final String PASSWORD = "sipp-password-1";
  private static final int HOLD_SECONDS = 8;
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final List<String> SCENARIOS = List.of("uac_call_auth", "uac_unavailable",
      "uas_register_and_answer", "uas_answer");

  private static PushServiceStandIn pushServer;
  private static TestServer server;
  private static int sipPort;
  private static Path workDir;
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assertThat(Files.isExecutable(Path.of("/usr/bin/sipp"))).as("sipp (Debian sip-tester) is not installed; CI installs it")
        .isTrue();
    pushServer = PushServiceStandIn.start();
    sipPort = freePort();
    PushComponent.senderTrustForTests = pushServer.clientSslContext();
    try {
      // MD5 first: sipp answers the first challenge only.
      server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
          "DIGEST_ALGORITHMS", "MD5,SHA-256", "PUSH_HOLD_SECONDS", Integer.toString(HOLD_SECONDS)));
    } finally {
      PushComponent.senderTrustForTests = null;
    }
    PushComponent push = PushComponent.lookup(server.app().context().vertx()).orElseThrow();
    for (String number : List.of(CALLER, CALLEE, NOBODY)) {
      server.app().context().subscribers().create(number, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
    for (String number : List.of(CALLEE, NOBODY)) {
      push.subscriptions().save(number, pushServer.subscribe().subscription(), "test").await(10, TimeUnit.SECONDS);
    }
    workDir = Files.createTempDirectory("wp-held-sipp-");
    for (String name : SCENARIOS) {
      try (InputStream in = HeldCallSippTest.class.getResourceAsStream("/sip/" + name + ".xml")) {
        Files.copy(in, workDir.resolve(name + ".xml"));
      }
    }
    Files.writeString(workDir.resolve("caller.csv"), "SEQUENTIAL\n" + CALLER + ";" + PASSWORD + ";\n");
    Files.writeString(workDir.resolve("callee.csv"), "SEQUENTIAL\n" + CALLEE + ";" + PASSWORD + ";\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (pushServer != null) {
      pushServer.close();
    }
    if (workDir != null) {
      try (var files = Files.list(workDir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(workDir);
    }
  }

  @AfterEach
  void killLeftovers() {
    for (Process p : processes) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void heldCallReachesTheDeviceThatRegistersAfterThePush() throws Exception {
    Process caller = sipp("held-call", "-sf", "uac_call_auth.xml", "-inf", "caller.csv", "-s", CALLEE,
        "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(freePort()), "-i", "127.0.0.1",
        "-m", "1", "-d", "200", "-timeout", "40", "-timeout_error");

    JsonObject incoming = awaitPush("call-incoming");
    assertThat(incoming.getString("from")).isEqualTo(CALLER);
    assertThat(caller.isAlive()).as("the caller is still waiting (held)").isTrue();

    // The app wakes up from the push and registers: the held INVITE is relayed to it, it answers.
    Process callee = sipp("callee", "-sf", "uas_register_and_answer.xml", "-oocsf", "uas_answer.xml", "-inf",
        "callee.csv", "-key", "domain", "localhost", "-key", "expires", "600", "-d", "6000", "-m", "1", "-t", "u1",
        "-p", Integer.toString(freePort()), "-i", "127.0.0.1", "-timeout", "30", "-timeout_error");

    assertThat(waitFor(caller, 40)).as(log("held-call") + log("callee")).isZero();
    assertThat(waitFor(callee, 30)).as(log("callee")).isZero();
  }

  @Test
  void heldCallWithoutARegistrationGets480AfterTheHold() throws Exception {
    long started = System.nanoTime();
    Process caller = sipp("unanswered", "-sf", "uac_unavailable.xml", "-inf", "caller.csv", "-s", NOBODY,
        "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(freePort()), "-i", "127.0.0.1",
        "-m", "1", "-timeout", "40", "-timeout_error");

    assertThat(awaitPush("call-incoming").getString("from")).isEqualTo(CALLER);
    assertThat(waitFor(caller, 40)).as(log("unanswered")).isZero();
    // Held for the hold time, not answered at once (a sanity bound, not a speed measurement).
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isGreaterThanOrEqualTo(HOLD_SECONDS - 1);
    assertThat(awaitPush("call-canceled").getString("from")).isEqualTo(CALLER);
  }

  private static JsonObject awaitPush(String action) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      PushServiceStandIn.ReceivedPush push = pushServer.awaitPush(Duration.ofNanos(deadline - System.nanoTime()));
      if (push != null) {
        JsonObject data = new JsonObject(push.payloadText()).getJsonObject("notification").getJsonObject("data");
        if (action.equals(data.getString("action"))) {
          return data;
        }
      }
    }
    throw new AssertionError("no " + action + " push within " + WAIT);
  }

  private Process sipp(String logName, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/sipp", "127.0.0.1:" + sipPort));
    command.addAll(Arrays.asList(args));
    command.add("-nostdin");
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve(logName + ".log").toFile()).start();
    processes.add(p);
    return p;
  }

  private static int waitFor(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private static String log(String logName) {
    try {
      StringBuilder out = new StringBuilder("\n--- " + logName + " ---\n")
          .append(Files.readString(workDir.resolve(logName + ".log")));
      try (var files = Files.list(workDir)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith("_errors.log")).toList()) {
          out.append("\n--- ").append(f.getFileName()).append(" ---\n").append(Files.readString(f));
        }
      }
      return out.toString();
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** A port free for both UDP and TCP on loopback (sipp and the server bind both). */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        int port = tcp.getLocalPort();
        try (DatagramSocket udp = new DatagramSocket(port, InetAddress.getByName("127.0.0.1"))) {
          return port;
        } catch (IOException busy) {
          // taken for UDP: try another
        }
      }
    }
    throw new IOException("no free port");
  }
}
