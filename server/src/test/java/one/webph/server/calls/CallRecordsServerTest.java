package one.webph.server.calls;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.Main;
import one.webph.server.testing.TestFiles;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Call records through a whole server: sipp agents call each other (answered, busy, cancelled, unknown number),
 * the records appear in the database, {@code GET /api/v1/me/calls} lists a number's own calls, and
 * {@code webphone calls list --csv} prints them.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CallRecordsServerTest {
  private static final String PASSWORD = "records-test-password";
  private static final String CALLER = "999200500";
  private static final String OTHER = "999200509";
  private static TestServer server;
  private static int sipPort;
  private static Path workDir;
  private static final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assertThat(Files.isExecutable(Path.of("/usr/bin/sipp"))).as("sipp (Debian sip-tester) is required").isTrue();
    sipPort = freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost"));
    for (int i = 0; i <= 9; i++) {
      server.app().context().subscribers().create("99920050" + i, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
    workDir = Files.createTempDirectory("wp-calls-sipp-");
    for (String name : List.of("uac_call_auth", "uac_call_busy", "uac_cancel", "uac_unknown", "uas_answer",
        "uas_busy", "uas_register_and_answer", "uas_ring")) {
      try (InputStream in = CallRecordsServerTest.class.getResourceAsStream("/sip/" + name + ".xml")) {
        Files.copy(in, workDir.resolve(name + ".xml"));
      }
    }
  }

  @AfterAll
  static void stop() {
    synchronized (processes) {
      for (Process p : processes) {
        p.destroyForcibly();
      }
    }
    if (server != null) {
      server.close();
    }
    if (workDir != null) {
      TestFiles.deleteRecursively(workDir);
    }
  }

  // ------------------------------------------------------------------ the calls

  @Test
  void answeredCallIsRecordedWithAnswerEndAndDuration() throws Exception {
    String callee = "999200501";
    Process agent = callee(callee, "uas_answer.xml");
    assertThat(caller("answered", "uac_call_auth.xml", callee, "-d", "1200")).as(log("answered")).isZero();
    CallRecord r = awaitRecord(callee, true);
    assertThat(r.caller()).isEqualTo(CALLER);
    assertThat(r.outcome()).isEqualTo(CallOutcome.ANSWERED);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.route()).isEqualTo("local");
    assertThat(r.source()).startsWith("udp:127.0.0.1:");
    assertThat(r.answerMillis()).isGreaterThanOrEqualTo(r.startMillis());
    assertThat(r.endMillis()).isGreaterThanOrEqualTo(r.answerMillis() + 1000);
    assertThat(r.durationSeconds()).isGreaterThanOrEqualTo(1);
    assertThat(r.endReason()).isEqualTo("caller hung up");
    // sipp's SDP went through the relay: its statistics are stored (sipp sends no RTP)
    assertThat(r.mediaStats()).isNotNull();
    assertThat(new JsonObject(r.mediaStats()).getJsonObject("caller")).isNotNull();
    agent.destroyForcibly();
  }

  @Test
  void busyCalleeIsRecordedBusy() throws Exception {
    String callee = "999200502";
    Process agent = callee(callee, "uas_busy.xml");
    assertThat(caller("busy", "uac_call_busy.xml", callee)).as(log("busy")).isZero();
    CallRecord r = awaitRecord(callee, false);
    assertThat(r.outcome()).isEqualTo(CallOutcome.BUSY);
    assertThat(r.status()).isEqualTo(486);
    assertThat(r.answerMillis()).isNull();
    agent.destroyForcibly();
  }

  @Test
  void callerCancelIsRecordedCanceled() throws Exception {
    String callee = "999200503";
    Process agent = callee(callee, "uas_ring.xml");
    assertThat(caller("cancel", "uac_cancel.xml", callee)).as(log("cancel")).isZero();
    CallRecord r = awaitRecord(callee, false);
    assertThat(r.outcome()).isEqualTo(CallOutcome.CANCELED);
    assertThat(r.status()).isEqualTo(487);
    agent.destroyForcibly();
  }

  @Test
  void unknownNumberIsRecordedFailed404() throws Exception {
    String unknown = "999200599";
    assertThat(caller("unknown", "uac_unknown.xml", unknown)).as(log("unknown")).isZero();
    CallRecord r = awaitRecord(unknown, false);
    assertThat(r.caller()).isEqualTo(CALLER);
    assertThat(r.outcome()).isEqualTo(CallOutcome.FAILED);
    assertThat(r.status()).isEqualTo(404);
  }

  // ------------------------------------------------------------------ API and command line

  @Test
  void apiListsOnlyTheAuthenticatedNumbersCalls() throws Exception {
    CallRecordStore store = new CallRecordStore(server.app().context().database());
    long now = System.currentTimeMillis();
    store.insert(new one.webph.server.sip.CallObserver.InviteOutcome("api-1@test", OTHER, "999200508",
        "udp:127.0.0.1:1", "local", now - 60_000, now - 55_000, 200, false, true)).await(10, TimeUnit.SECONDS);
    store.close("api-1@test", now - 10_000, "callee hung up", null).await(10, TimeUnit.SECONDS);
    store.insert(new one.webph.server.sip.CallObserver.InviteOutcome("api-2@test", "999200508", OTHER,
        "udp:127.0.0.1:1", "local", now - 5_000, now - 4_000, 480, false, false)).await(10, TimeUnit.SECONDS);
    store.insert(new one.webph.server.sip.CallObserver.InviteOutcome("api-3@test", "999200508", "999200507",
        "udp:127.0.0.1:1", "local", now - 3_000, now - 2_000, 603, false, true)).await(10, TimeUnit.SECONDS);

    HttpResponse<String> list = get(CallsApi.PATH, OTHER, PASSWORD);
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    JsonArray calls = new JsonArray(list.body());
    assertThat(calls).hasSize(2);
    JsonObject newest = calls.getJsonObject(0);
    assertThat(newest.getString("callId")).isEqualTo("api-2@test");
    assertThat(newest.getString("direction")).isEqualTo("in");
    assertThat(newest.getString("peer")).isEqualTo("999200508");
    assertThat(newest.getString("outcome")).isEqualTo("missed");
    assertThat(newest.getInteger("status")).isEqualTo(480);
    assertThat(newest.getValue("answer")).isNull();
    JsonObject answered = calls.getJsonObject(1);
    assertThat(answered.getString("direction")).isEqualTo("out");
    assertThat(answered.getString("peer")).isEqualTo("999200508");
    assertThat(answered.getString("outcome")).isEqualTo("answered");
    assertThat(answered.getLong("durationSeconds")).isEqualTo(45);
    assertThat(java.time.Instant.parse(answered.getString("start")).toEpochMilli()).isEqualTo(now - 60_000);
    assertThat(java.time.Instant.parse(answered.getString("end")).toEpochMilli()).isEqualTo(now - 10_000);

    HttpResponse<String> paged = get(CallsApi.PATH + "?limit=1&offset=1", OTHER, PASSWORD);
    assertThat(new JsonArray(paged.body())).hasSize(1);
    assertThat(new JsonArray(paged.body()).getJsonObject(0).getString("callId")).isEqualTo("api-1@test");

    assertThat(get(CallsApi.PATH + "?limit=0", OTHER, PASSWORD).statusCode()).isEqualTo(400);
    HttpResponse<String> anonymous = server.get(server.https(CallsApi.PATH));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Basic"));
    assertThat(get(CallsApi.PATH, OTHER, "wrong-password").statusCode()).isEqualTo(401);
  }

  @Test
  void commandLineListsCallsAsCsv() throws Exception {
    CallRecordStore store = new CallRecordStore(server.app().context().database());
    long start = LocalDate.of(2026, 11, 3).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + 3_600_000;
    store.insert(new one.webph.server.sip.CallObserver.InviteOutcome("cli-1@test", "999200506", "sip:+4412@gw",
        "tcp:10.0.0.1:5060", "gw", start, start + 2_000, 200, false, true)).await(10, TimeUnit.SECONDS);
    store.close("cli-1@test", start + 12_000, "caller hung up", "{\"caller\":{\"packetsIn\":1}}")
        .await(10, TimeUnit.SECONDS);
    store.insert(new one.webph.server.sip.CallObserver.InviteOutcome("cli-0@test", "999200506", "999200505",
        "udp:10.0.0.1:5060", "local", start - 86_400_000L, start - 86_400_000L, 486, false, true))
        .await(10, TimeUnit.SECONDS);
    Path config = workDir.resolve("cli.conf");
    Files.writeString(config, "DATA_DIR=" + server.dataDir() + "\n");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"calls", "list", "--config", config.toString(), "--since", "2026-11-03",
        "--until", "2026-11-04", "--number", "999200506", "--csv"}, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString().lines().toList()).containsExactly(CallsCommand.CSV_HEADER,
        "cli-1@test,999200506,sip:+4412@gw,tcp:10.0.0.1:5060,gw,2026-11-03T01:00:00Z,2026-11-03T01:00:02Z,"
            + "2026-11-03T01:00:12Z,10,answered,200,caller hung up,\"{\"\"caller\"\":{\"\"packetsIn\"\":1}}\"");

    StringWriter bad = new StringWriter();
    int badCode = Main.run(new String[] {"calls", "list", "--config", config.toString(), "--since", "yesterday"},
        new PrintWriter(new StringWriter()), new PrintWriter(bad));
    assertThat(badCode).isEqualTo(Main.EXIT_FAILURE);
    assertThat(bad.toString()).contains("--since: 'yesterday'");
  }

  // ------------------------------------------------------------------ helpers

  private static HttpResponse<String> get(String path, String number, String password) throws Exception {
    String auth = Base64.getEncoder().encodeToString((number + ":" + password).getBytes(StandardCharsets.UTF_8));
    return server.client().send(HttpRequest.newBuilder(server.https(path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Basic " + auth).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The single record of calls to {@code callee}, once written (and ended, for an answered call). */
  private static CallRecord awaitRecord(String callee, boolean answered) throws Exception {
    CallRecordStore store = new CallRecordStore(server.app().context().database());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    List<CallRecord> records = List.of();
    while (System.nanoTime() < deadline) {
      records = store.forNumber(callee, 10, 0).await(10, TimeUnit.SECONDS);
      if (records.size() == 1 && (!answered || !records.get(0).inProgress())) {
        return records.get(0);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no complete call record for " + callee + ": " + records);
  }

  private static Process callee(String number, String oocsf) throws Exception {
    Files.writeString(workDir.resolve("callee-" + number + ".csv"), "SEQUENTIAL\n" + number + ";" + PASSWORD + ";\n");
    Process p = sipp("callee-" + number, "-sf", "uas_register_and_answer.xml", "-oocsf", oocsf, "-inf",
        "callee-" + number + ".csv", "-key", "domain", "localhost", "-key", "expires", "600", "-d", "60000", "-m",
        "1", "-t", "u1", "-p", Integer.toString(freePort()), "-i", "127.0.0.1");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (server.app().context().database().callBlocking(c -> {
        try (var s = c.prepareStatement("SELECT COUNT(*) FROM sip_location WHERE number = ?")) {
          s.setString(1, number);
          try (var rows = s.executeQuery()) {
            rows.next();
            return rows.getInt(1);
          }
        }
      }) > 0) {
        return p;
      }
      assertThat(p.isAlive()).as(log("callee-" + number)).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("callee " + number + " did not register: " + log("callee-" + number));
  }

  private static int caller(String name, String scenario, String callee, String... extra) throws Exception {
    Files.writeString(workDir.resolve("caller.csv"), "SEQUENTIAL\n" + CALLER + ";" + PASSWORD + ";\n");
    List<String> args = new ArrayList<>(List.of("-sf", scenario, "-inf", "caller.csv", "-s", callee, "-key",
        "domain", "localhost", "-t", "u1", "-p", Integer.toString(freePort()), "-i", "127.0.0.1", "-timeout", "30",
        "-timeout_error", "-m", "1"));
    args.addAll(List.of(extra));
    Process p = sipp(name, args.toArray(String[]::new));
    if (!p.waitFor(45, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      return -1;
    }
    return p.exitValue();
  }

  private static Process sipp(String logName, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/sipp", "127.0.0.1:" + sipPort));
    command.addAll(List.of(args));
    command.add("-nostdin");
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve(logName + ".log").toFile()).start();
    synchronized (processes) {
      processes.add(p);
    }
    return p;
  }

  private static String log(String logName) {
    try {
      String s = Files.readString(workDir.resolve(logName + ".log"));
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
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
}
