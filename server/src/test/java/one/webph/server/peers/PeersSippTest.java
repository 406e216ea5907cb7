package one.webph.server.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import one.webph.server.calls.CallOutcome;
import one.webph.server.calls.CallRecord;
import one.webph.server.calls.CallRecordStore;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Community peers end to end on loopback: sipp plays a community SIP server ("village", whose first TARGET has
 * no process, so the probes mark it down and its FAILOVER takes the calls), local sipp users call and text it,
 * a trusted peer address calls a local user without digest authentication, untrusted and non-local requests get
 * 403, a dead peer 503, an offline registered gateway 480, and /status, /status.json, /metrics and
 * /api/v1/config show it all.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PeersSippTest {
  private static final String PASSWORD = "peer-test-password";
  private static final String CALLER = "999100501";
  private static final String CALLEE = "999100502";
  private static final String GATEWAY = "999399001";
  private static final String ONLINE_GATEWAY = "999399002";
  private static final String GATEWAY_PASSWORD = "gateway-password";
  private static final String GUARDED_USER = "webph-trunk";
  private static PeerSipp village;
  private static PeerSipp guarded;
  private static PeerSipp narrow;
  private static PeerSipp unavailable;
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    assertThat(PeerSipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    int villagePort = PeerSipp.freePort();
    int deadPort = PeerSipp.freePort();
    int deadPort2 = PeerSipp.freePort();
    village = new PeerSipp();
    // "99920" + 0777 dialed -> STRIP 3, PREPEND 52 -> 52200777
    String scenario = village.scenario("/peers/peer_uas.xml", "peer_uas.xml", Map.of("USER", "52200777"));
    village.start("village", null, "-sf", scenario, "-p", Integer.toString(villagePort), "-i", "127.0.0.1", "-t",
        "u1");
    // a second community server that challenges every INVITE with 407 (PEER_GUARDED_USER/PASSWORD answer it)
    int guardedPort = PeerSipp.freePort();
    guarded = new PeerSipp();
    // uac_call_auth.xml sends INVITE CSeq 2 after our 407: the peer sees 2, then 3 resent with credentials; the
    // caller's ACK (2) must reach it as 3 and the caller's BYE (3) as 4
    String guardedScenario = guarded.scenario("/peers/peer_uas_auth.xml", "peer_uas_auth.xml",
        Map.of("USER", "999500777", "AUTH_USER", GUARDED_USER, "INVITE_CSEQ", "3", "BYE_CSEQ", "4"));
    guarded.start("guarded", null, "-sf", guardedScenario, "-p", Integer.toString(guardedPort), "-i", "127.0.0.1",
        "-t", "u1", "-trace_msg", "-message_file", "guarded-messages.log");
    // a community server accepting only PCMA: its INVITE must offer payload type 8 alone
    int narrowPort = PeerSipp.freePort();
    narrow = new PeerSipp();
    String narrowScenario = narrow.scenario("/peers/peer_uas_codecs.xml", "peer_uas_codecs.xml",
        Map.of("USER", "52200777", "PAYLOADS", "8"));
    narrow.start("narrow", null, "-sf", narrowScenario, "-p", Integer.toString(narrowPort), "-i", "127.0.0.1",
        "-t", "u1", "-trace_msg", "-message_file", "narrow-messages.log");
    // a community server alive for the probes but answering every INVITE/MESSAGE 503 (in-call failover)
    int unavailablePort = PeerSipp.freePort();
    unavailable = new PeerSipp();
    String unavailableScenario = unavailable.scenario("/peers/peer_uas_503.xml", "peer_uas_503.xml", Map.of());
    unavailable.start("unavailable", null, "-sf", unavailableScenario, "-p", Integer.toString(unavailablePort), "-i",
        "127.0.0.1", "-t", "u1", "-trace_msg", "-message_file", "unavailable-messages.log");
    sipPort = PeerSipp.freePort();
    Map<String, String> config = new HashMap<>();
    config.putAll(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost", "PEER_PROBE_SECONDS", "1",
        "PEER_VILLAGE_MATCH", "prefix:999200", "PEER_VILLAGE_TARGET", "udp:127.0.0.1:" + deadPort,
        "PEER_VILLAGE_FAILOVER", "udp:127.0.0.1:" + villagePort, "PEER_VILLAGE_STRIP", "3",
        "PEER_VILLAGE_PREPEND", "52", "PEER_VILLAGE_TRUSTED", "127.0.0.2/32"));
    config.putAll(Map.of("PEER_OAXACA_KIND", "registered", "PEER_OAXACA_MATCH", "prefix:999300",
        "PEER_OAXACA_NUMBER", GATEWAY, "PEER_OAXACA_PASSWORD", GATEWAY_PASSWORD,
        "PEER_DEAD_MATCH", "prefix:999400", "PEER_DEAD_TARGET", "127.0.0.1:" + deadPort2,
        "CONFERENCE_PREFIX", "5005"));
    // a second gateway that registers during a test (a killed sipp's UDP binding outlives it: keep them apart)
    config.putAll(Map.of("PEER_TOWN_KIND", "registered", "PEER_TOWN_MATCH", "prefix:999301",
        "PEER_TOWN_NUMBER", ONLINE_GATEWAY, "PEER_TOWN_PASSWORD", GATEWAY_PASSWORD));
    config.putAll(Map.of("PEER_GUARDED_MATCH", "prefix:999500", "PEER_GUARDED_TARGET",
        "udp:127.0.0.1:" + guardedPort, "PEER_GUARDED_USER", GUARDED_USER, "PEER_GUARDED_PASSWORD", "trunk-secret"));
    // 999700777 -> STRIP 6, PREPEND 52200 -> 52200777, like the village's numbers
    config.putAll(Map.of("PEER_NARROW_MATCH", "prefix:999700", "PEER_NARROW_TARGET", "udp:127.0.0.1:" + narrowPort,
        "PEER_NARROW_STRIP", "6", "PEER_NARROW_PREPEND", "52200", "PEER_NARROW_CODECS", "PCMA",
        "PEER_PICKY_MATCH", "prefix:999710", "PEER_PICKY_TARGET", "udp:127.0.0.1:" + narrowPort,
        "PEER_PICKY_CODECS", "G729"));
    // the backup peer's first server answers 503 (alive for the probes): the call goes on to the village's sipp
    config.putAll(Map.of("PEER_BACKUP_MATCH", "prefix:999600", "PEER_BACKUP_TARGET",
        "udp:127.0.0.1:" + unavailablePort, "PEER_BACKUP_FAILOVER", "udp:127.0.0.1:" + villagePort,
        "PEER_BACKUP_STRIP", "6", "PEER_BACKUP_PREPEND", "52200"));
    server = TestServer.start(config);
    for (String number : List.of(CALLER, CALLEE)) {
      server.app().context().subscribers().create(number, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
    // two unanswered probes (1 s apart) mark the dead targets down
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      JsonObject village = peer(statusJson(), "village");
      JsonObject dead = peer(statusJson(), "dead");
      JsonArray targets = village.getJsonArray("targets");
      if (!targets.getJsonObject(0).getBoolean("up") && targets.getJsonObject(1).getBoolean("up")
          && targets.getJsonObject(1).getBoolean("probed") && !dead.getBoolean("up")) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("probes did not settle: " + statusJson().encodePrettily());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (village != null) {
      village.close();
    }
    for (PeerSipp sipp : new PeerSipp[] {guarded, narrow, unavailable}) {
      if (sipp != null) {
        sipp.close();
      }
    }
  }

  private static String target() {
    return "127.0.0.1:" + sipPort;
  }

  private static JsonObject statusJson() throws Exception {
    HttpResponse<String> r = server.get(server.https("/status.json"));
    assertThat(r.statusCode()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static JsonObject peer(JsonObject status, String name) {
    for (Object o : status.getJsonArray("peers")) {
      JsonObject p = (JsonObject) o;
      if (p.getString("name").equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no peer " + name + " in " + status.encode());
  }

  private static String[] uac(PeerSipp sipp, String scenario, String service, String sourceIp, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("-sf", scenario, "-s", service, "-key", "domain",
        "localhost", "-t", "u1", "-i", sourceIp, "-m", "1", "-timeout", "30", "-timeout_error"));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  private static String expect(PeerSipp sipp, boolean auth, String status, String reason, String from)
      throws Exception {
    return sipp.scenario(auth ? "/peers/peer_uac_auth_expect.xml" : "/peers/peer_uac_expect.xml",
        "expect_" + status + ".xml", Map.of("STATUS", status, "REASON", reason, "FROM", from));
  }

  @Test
  void localUserCallsThePeerAtItsFailoverWithTheNumberRewritten() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_call_auth.xml", "uac_call_auth.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      int exit = sipp.run("call", 45, target(), uac(sipp, "uac_call_auth.xml", "999200777", "127.0.0.1", "-inf",
          users, "-p", Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("call") + "\n--- village\n" + village.log("village")).isZero();
    }
  }

  @Test
  void peerChallengeIsAnsweredWithTheConfiguredCredentials() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_call_auth.xml", "uac_call_auth.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      // the caller answers only our own 407: a second one (the peer's) would fail its scenario
      int exit = sipp.run("guarded", 45, target(), uac(sipp, "uac_call_auth.xml", "999500777", "127.0.0.1", "-inf",
          users, "-p", Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("guarded") + "\n--- guarded peer\n" + guarded.log("guarded")).isZero();
      // the peer saw INVITE 2 (challenged) and 3 (with credentials): the caller's ACK 2 and BYE 3 follow that
      String seen = java.nio.file.Files.readString(guarded.workDir().resolve("guarded-messages.log"));
      // (CSeq 2 ACK is the hop-by-hop ACK of the peer's 407, sent by our transaction)
      assertThat(seen).contains("CSeq: 3 INVITE").contains("CSeq: 3 ACK").contains("CSeq: 4 BYE")
          .doesNotContain("CSeq: 3 BYE").containsPattern("X-Checked-CSeq: +3 ACK +4 BYE");
    }
  }

  @Test
  void offerToAPeerCarriesOnlyTheCodecsItAccepts() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_call_auth.xml", "uac_call_auth.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      // the caller offers PCMU and PCMA; the narrow peer's sipp aborts the call unless it sees PCMA (8) alone
      int exit = sipp.run("narrow-call", 45, target(), uac(sipp, "uac_call_auth.xml", "999700777", "127.0.0.1",
          "-inf", users, "-p", Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("narrow-call") + "\n--- narrow peer\n" + narrow.log("narrow")).isZero();
      // what the peer received: PCMA alone, PCMU gone with its rtpmap, still plain RTP
      String seen = java.nio.file.Files.readString(narrow.workDir().resolve("narrow-messages.log"));
      assertThat(seen).containsPattern("m=audio [0-9]+ RTP/AVP 8\r?\n").contains("a=rtpmap:8 PCMA/8000")
          .doesNotContain("a=rtpmap:0").doesNotContainPattern("RTP/AVP 0");
      CallRecord r = awaitRecord("999700777", rec -> rec.status() == 200 && !rec.inProgress());
      assertThat(r.route()).isEqualTo("narrow");
      assertThat(r.outcome()).isEqualTo(CallOutcome.ANSWERED);
    }
  }

  @Test
  void offerWithoutAnyCodecThePeerAcceptsGets488AndARecordSayingWhy() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      String users = sipp.users("caller", CALLER, PASSWORD);
      String scenario = expect(sipp, true, "488", "Not Acceptable Here \\(picky accepts G729\\)", "");
      int exit = sipp.run("picky", 45, target(), uac(sipp, scenario, "999710777", "127.0.0.1", "-inf", users, "-p",
          Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("picky")).isZero();
      CallRecord r = awaitRecord("999710777", rec -> rec.status() == 488);
      assertThat(r.route()).isEqualTo("picky");
      assertThat(r.caller()).isEqualTo(CALLER);
      assertThat(r.outcome()).isEqualTo(CallOutcome.FAILED);
      assertThat(r.endReason()).isEqualTo("Not Acceptable Here (picky accepts G729)");
    }
  }

  @Test
  void callFailsOverWithinTheCallWhenThePeersFirstServerAnswers503() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_call_auth.xml", "uac_call_auth.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      int exit = sipp.run("failover-call", 45, target(), uac(sipp, "uac_call_auth.xml", "999600777", "127.0.0.1",
          "-inf", users, "-p", Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("failover-call") + "\n--- first server\n" + unavailable.log("unavailable")
          + "\n--- failover (village)\n" + village.log("village")).isZero();
      CallRecord r = awaitRecord("999600777", rec -> rec.status() == 200 && !rec.inProgress());
      assertThat(r.route()).isEqualTo("backup");
      // the first server was tried (it is up for the probes, so it was the live target) and answered 503
      assertThat(java.nio.file.Files.readString(unavailable.workDir().resolve("unavailable-messages.log")))
          .contains("INVITE sip:52200777@").contains("SIP/2.0 503 Service Unavailable");
    }
  }

  @Test
  void messageFailsOverWithinTheRequestWhenThePeersFirstServerAnswers503() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_message.xml", "uac_message.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      int exit = sipp.run("failover-message", 45, target(), uac(sipp, "uac_message.xml", "999600777", "127.0.0.1",
          "-inf", users, "-p", Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("failover-message") + "\n--- village\n" + village.log("village")).isZero();
    }
  }

  @Test
  void localUserTextsThePeer() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uac_message.xml", "uac_message.xml", Map.of());
      String users = sipp.users("caller", CALLER, PASSWORD);
      int exit = sipp.run("message", 45, target(), uac(sipp, "uac_message.xml", "999200777", "127.0.0.1", "-inf",
          users, "-p", Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("message") + "\n--- village\n" + village.log("village")).isZero();
    }
  }

  @Test
  void trustedPeerAddressCallsALocalUserWithoutAuthentication() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uas_register_and_answer.xml", "uas_register_and_answer.xml", Map.of());
      sipp.scenario("/sip/uas_answer.xml", "uas_answer.xml", Map.of());
      String calleeUsers = sipp.users("callee", CALLEE, PASSWORD);
      Process callee = sipp.start("callee", target(), "-sf", "uas_register_and_answer.xml", "-oocsf",
          "uas_answer.xml", "-inf", calleeUsers, "-key", "domain", "localhost", "-key", "expires", "600", "-d",
          "60000", "-m", "1", "-t", "u1", "-p", Integer.toString(PeerSipp.freePort()), "-i", "127.0.0.1");
      awaitRegistered(CALLEE, callee, sipp, "callee");
      // the From names our domain: from anywhere else this would be challenged (407)
      String scenario = sipp.scenario("/peers/peer_uac_call.xml", "peer_uac_call.xml",
          Map.of("FROM", "5255512345@localhost"));
      int exit = sipp.run("trusted", 45, target(), uac(sipp, scenario, CALLEE, "127.0.0.2", "-p",
          Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("trusted")).isZero();
      // the same call from an untrusted address is challenged
      String challenged = expect(sipp, false, "407", "Proxy Authentication Required", "5255512345@localhost");
      exit = sipp.run("untrusted-local", 45, target(), uac(sipp, challenged, CALLEE, "127.0.0.3", "-p",
          Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("untrusted-local")).isZero();
    }
  }

  @Test
  void untrustedOutsiderToAPeerNumberIsNotRelayed() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      String scenario = expect(sipp, false, "403", "Not relaying", "5255512345@127.0.0.3");
      int exit = sipp.run("untrusted", 45, target(), uac(sipp, scenario, "999200777", "127.0.0.3", "-p",
          Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("untrusted")).isZero();
      CallRecord refused = awaitRecord("999200777",
          rec -> rec.status() == 403 && rec.source().contains("127.0.0.3"));
      assertThat(refused.outcome()).isEqualTo(CallOutcome.FAILED);
      assertThat(refused.endReason()).isEqualTo("Not relaying");
      assertThat(refused.route()).as("the peer the number belongs to").isEqualTo("village");
      // a trusted peer may reach local numbers only: no transit to another peer through us
      exit = sipp.run("transit", 45, target(), uac(sipp, scenario, "999400123", "127.0.0.2", "-p",
          Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("transit")).isZero();
    }
  }

  @Test
  void callToADeadPeerFailsFastWith503() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      String users = sipp.users("caller", CALLER, PASSWORD);
      String scenario = expect(sipp, true, "503", "dead unreachable", "");
      long start = System.nanoTime();
      int exit = sipp.run("dead", 45, target(), uac(sipp, scenario, "999400123", "127.0.0.1", "-inf", users, "-p",
          Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("dead")).isZero();
      // fails at once rather than after a transaction timeout (32 s): generous bound, not a speed measurement
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
      CallRecord r = awaitRecord("999400123", rec -> rec.status() == 503);
      assertThat(r.route()).isEqualTo("dead");
      assertThat(r.caller()).isEqualTo(CALLER);
      assertThat(r.outcome()).isEqualTo(CallOutcome.FAILED);
      assertThat(r.endReason()).isEqualTo("dead unreachable");
      // the caller's first INVITE, challenged with 407, is no call of its own (its record would be written first:
      // the writes of one Call-ID are chained)
      assertThat(records("999400123")).filteredOn(rec -> rec.callId().equals(r.callId())).hasSize(1);
    }
  }

  @Test
  void offlineRegisteredGatewayGets480WithItsName() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      String users = sipp.users("caller", CALLER, PASSWORD);
      String scenario = expect(sipp, true, "480", "oaxaca gateway offline", "");
      int exit = sipp.run("offline", 45, target(), uac(sipp, scenario, "999300123", "127.0.0.1", "-inf", users,
          "-p", Integer.toString(PeerSipp.freePort())));
      assertThat(exit).as(sipp.log("offline")).isZero();
      CallRecord r = awaitRecord("999300123", rec -> rec.status() == 480);
      assertThat(r.route()).isEqualTo("oaxaca");
      assertThat(r.outcome()).isEqualTo(CallOutcome.MISSED);
    }
  }

  @Test
  void registeredGatewayGetsTheCallAtItsRegistration() throws Exception {
    try (PeerSipp sipp = new PeerSipp()) {
      sipp.scenario("/sip/uas_register_and_answer.xml", "uas_register_and_answer.xml", Map.of());
      sipp.scenario("/sip/uas_answer.xml", "uas_answer.xml", Map.of());
      sipp.scenario("/sip/uac_call_auth.xml", "uac_call_auth.xml", Map.of());
      String gatewayUsers = sipp.users("gateway", ONLINE_GATEWAY, GATEWAY_PASSWORD);
      Process gateway = sipp.start("gateway", target(), "-sf", "uas_register_and_answer.xml", "-oocsf",
          "uas_answer.xml", "-inf", gatewayUsers, "-key", "domain", "localhost", "-key", "expires", "600", "-d",
          "60000", "-m", "1", "-t", "u1", "-p", Integer.toString(PeerSipp.freePort()), "-i", "127.0.0.1");
      awaitRegistered(ONLINE_GATEWAY, gateway, sipp, "gateway");
      String users = sipp.users("caller", CALLER, PASSWORD);
      int exit = sipp.run("gateway-call", 45, target(), uac(sipp, "uac_call_auth.xml", "999301123", "127.0.0.1",
          "-inf", users, "-p", Integer.toString(PeerSipp.freePort()), "-d", "200"));
      assertThat(exit).as(sipp.log("gateway-call") + "\n--- gateway\n" + sipp.log("gateway")).isZero();
    }
  }

  @Test
  void statusPagesMetricsAndDialRulesShowThePeers() throws Exception {
    JsonObject status = statusJson();
    JsonObject village = peer(status, "village");
    assertThat(village.getBoolean("up")).isTrue();
    assertThat(village.getString("kind")).isEqualTo("static");
    assertThat(village.getJsonArray("targets").getJsonObject(0).getBoolean("up")).isFalse();
    assertThat(village.getJsonArray("targets").getJsonObject(0).getString("detail")).contains("no answer");
    assertThat(peer(status, "dead").getBoolean("up")).isFalse();
    assertThat(peer(status, "dead").getString("since")).isNotBlank();
    assertThat(peer(status, "oaxaca").getString("kind")).isEqualTo("registered");

    HttpResponse<String> html = server.get(server.https("/status"));
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(html.body()).contains("<td>village</td>").contains("<td>dead</td>")
        .contains("class=\"down\">down").contains("class=\"up\">up");

    String metrics = server.get(server.http("/metrics")).body();
    assertThat(metrics).contains("webphone_peer_up{peer=\"dead\"} 0.0").contains("webphone_peer_up{peer=\"village\"} 1.0");

    JsonObject config = new JsonObject(server.get(server.https("/api/v1/config")).body());
    JsonObject rules = config.getJsonObject("dialRules");
    assertThat(rules.getJsonArray("communityPrefixes").getList()).contains("999200", "999300", "999301", "999400");
    assertThat(rules.getString("conferencePrefix")).isEqualTo("5005");

    // the CLI reads the running server's /status.json; exit 3 because a link is down
    java.io.StringWriter out = new java.io.StringWriter();
    int exit = one.webph.server.Main.run(new String[] {"peers", "status", "--url",
        server.https("/status.json").toString()}, new java.io.PrintWriter(out), new java.io.PrintWriter(out));
    assertThat(exit).as(out.toString()).isEqualTo(3);
    assertThat(out.toString()).containsPattern("village\\s+static\\s+up").containsPattern("dead\\s+static\\s+down");
  }

  /** The first call record with {@code number} as a party matching {@code which}, once written. */
  private static CallRecord awaitRecord(String number, Predicate<CallRecord> which) throws Exception {
    CallRecordStore store = new CallRecordStore(server.app().context().database());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    List<CallRecord> records = List.of();
    while (System.nanoTime() < deadline) {
      records = store.forNumber(number, 50, 0).await(10, TimeUnit.SECONDS);
      for (CallRecord r : records) {
        if (which.test(r)) {
          return r;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such call record for " + number + ": " + records);
  }

  /** The call records of {@code number} as a party, newest first. */
  private static List<CallRecord> records(String number) throws Exception {
    return new CallRecordStore(server.app().context().database()).forNumber(number, 50, 0)
        .await(10, TimeUnit.SECONDS);
  }

  private static void awaitRegistered(String number, Process p, PeerSipp sipp, String log) throws Exception {
    var location = server.app().context().service(one.webph.server.sip.LocationService.class).orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!location.lookup(number, System.currentTimeMillis()).isEmpty()) {
        return;
      }
      assertThat(p.isAlive()).as(sipp.log(log)).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError(number + " did not register: " + sipp.log(log));
  }
}
