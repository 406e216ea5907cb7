package one.webph.server.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    String guardedScenario = guarded.scenario("/peers/peer_uas_auth.xml", "peer_uas_auth.xml",
        Map.of("USER", "999500777", "AUTH_USER", GUARDED_USER));
    guarded.start("guarded", null, "-sf", guardedScenario, "-p", Integer.toString(guardedPort), "-i", "127.0.0.1",
        "-t", "u1");
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
    if (guarded != null) {
      guarded.close();
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
