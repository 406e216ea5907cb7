package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.transaction.Hop;
import one.webph.sip.transaction.ManualTimerService;
import one.webph.sip.transaction.SipSender;
import one.webph.sip.transaction.TimerConfig;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportOptions;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The routing script's decisions, driven through a real transaction layer with a recording sender (no network):
 * initial checks, OPTIONS, CANCEL, in-dialog without route, relay policy, challenges, registrar, relay to a
 * registered contact and the responses coming back.
 */
class SipServiceRoutingTest {
  private static final String DOMAIN = "example.org";
  private final Map<String, Subscriber> subscribers = new HashMap<>();
  private final List<SipResponse> responses = new ArrayList<>();
  private final List<SipRequest> forwarded = new ArrayList<>();
  private final List<Hop> hops = new ArrayList<>();
  private Vertx vertx;
  private TransactionLayer layer;
  private LocationService location;
  /** The anchor the proxy uses: rewrites the connection line as a relay would and counts its calls. */
  private final RecordingAnchor anchor = new RecordingAnchor();

  /** Like the relay: an answer needs its call's offer, and nothing is anchored after release. */
  static final class RecordingAnchor implements MediaAnchor {
    final java.util.Set<String> anchored = new java.util.HashSet<>();
    int answers;

    @Override
    public Future<byte[]> offer(Leg leg, byte[] sdp) {
      anchored.add(leg.callId());
      return Future.succeededFuture(relayed(sdp));
    }

    @Override
    public Future<byte[]> answer(Leg leg, byte[] sdp) {
      answers++;
      return anchored.contains(leg.callId()) ? Future.succeededFuture(relayed(sdp))
          : Future.failedFuture(new Rejected(488, "answer without an anchored offer", null));
    }

    @Override
    public void release(String callId) {
      anchored.remove(callId);
    }

    private static byte[] relayed(byte[] sdp) {
      return new String(sdp, java.nio.charset.StandardCharsets.UTF_8).replace("192.0.2.", "203.0.113.")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
  }
  private final FakeFlow phone = new FakeFlow("udp:5060:192.0.2.1:5070", Transport.UDP, "192.0.2.1", 5070);

  record FakeFlow(String id, Transport transport, String host, int port) implements SipFlow {
    @Override
    public SocketAddress localAddress() {
      return SocketAddress.inetSocketAddress(5060, "198.51.100.10");
    }

    @Override
    public SocketAddress remoteAddress() {
      return SocketAddress.inetSocketAddress(port, host);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public Future<Void> send(SipMessage message) {
      return Future.succeededFuture();
    }

    @Override
    public void close() { }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    SipSettings settings = SipSettings.defaults(DOMAIN);
    SipTransportLayer transport = new SipTransportLayer(vertx, new SipTransportOptions()
        .setAdvertisedHost("198.51.100.10").addLocalAlias(DOMAIN), (m, f, s) -> { });
    location = new LocationService(settings);
    NonceService nonces = new NonceService(new byte[32], DOMAIN, Duration.ofMinutes(5), System::currentTimeMillis);
    DigestAuthenticator auth = new DigestAuthenticator(DOMAIN, nonces, settings.digestAlgorithms());
    CredentialCache cache = new CredentialCache(n -> Future.succeededFuture(Optional.ofNullable(subscribers.get(n))),
        Duration.ofSeconds(10), System::currentTimeMillis);
    SipService service = new SipService(vertx, settings, transport, new FlowTokens(new byte[32]), location, auth,
        cache, anchor, CallHooks.DEFAULT, new SipMetrics(new SimpleMeterRegistry()),
        System::currentTimeMillis);
    SipSender sender = new SipSender() {
      @Override
      public Future<SipFlow> sendRequest(SipRequest request, Hop hop) {
        forwarded.add(request);
        hops.add(hop);
        return Future.succeededFuture(hop.flow() != null ? hop.flow()
            : new FakeFlow("udp:5060:" + hop.host() + ":" + hop.port(), hop.transport(), hop.host(), hop.port()));
      }

      @Override
      public Future<Void> sendResponse(SipResponse response, SipFlow requestFlow) {
        responses.add(response);
        return Future.succeededFuture();
      }
    };
    layer = new TransactionLayer(sender, new ManualTimerService(), service, TimerConfig.DEFAULT);
    service.setTransactions(layer);
    for (String n : List.of("999100001", "999100002")) {
      subscribers.put(n, new Subscriber(n, DOMAIN, Credentials.ha1Md5(n, DOMAIN, "pw"),
          Credentials.ha1Sha256(n, DOMAIN, "pw"), null, Instant.EPOCH, false));
    }
  }

  @AfterEach
  void tearDown() {
    vertx.close();
  }

  private static int branchCounter;

  private static String request(String method, String uri, String from, String to, String extra) {
    return method + " " + uri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK" + method + (++branchCounter) + ";rport=5070;received=192.0.2.1\r\n"
        + extra + "From: " + from + ";tag=f1\r\nTo: " + to + "\r\nCall-ID: call-" + branchCounter + "\r\nCSeq: 1 "
        + method + "\r\nContact: <sip:999100001@192.0.2.1:5070>\r\nContent-Length: 0\r\n\r\n";
  }

  private SipResponse send(String text) {
    responses.clear();
    layer.onMessage(SipMessageParser.parse(text), phone, phone.remoteAddress());
    List<SipResponse> finals = responses.stream().filter(r -> r.status() != 100).toList();
    return finals.isEmpty() ? null : finals.get(finals.size() - 1);
  }

  private static String withAuth(String text, String header, SipResponse challenge, String user, String method,
      String uri) {
    return withAuth(text, header, challenge, user, method, uri, "00000001");
  }

  private static String withAuth(String text, String header, SipResponse challenge, String user, String method,
      String uri, String nc) {
    AuthHeader c = (header.equals("Authorization") ? challenge.wwwAuthenticates() : challenge.proxyAuthenticates())
        .get(0);
    String ha1 = DigestAlgorithm.MD5.hash(user + ":" + DOMAIN + ":pw");
    String response = DigestAuthenticator.expectedResponse(DigestAlgorithm.MD5, ha1, c.param("nonce"), nc,
        "xyz", "auth", method, uri);
    String value = "Digest username=\"" + user + "\", realm=\"" + DOMAIN + "\", nonce=\"" + c.param("nonce")
        + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=" + nc + ", cnonce=\"xyz\"";
    return text.replace("Content-Length: 0", header + ": " + value + "\r\nContent-Length: 0");
  }

  @Test
  void overCapacityNewRequestsGet503WhileWorkUnderWayGoesOn() {
    SipSettings d = SipSettings.defaults(DOMAIN);
    SipSettings noFloodLimit = new SipSettings(d.domain(), d.regMinExpires(), d.regMaxExpires(),
        d.regDefaultExpires(), d.inviteTimeout(), d.nonceLifetime(), 100_000, d.floodWindow(), d.floodBan(),
        d.floodExemptLoopback(), d.trusted(), d.blockedUserAgents(), d.digestAlgorithms());
    SipIngress ingress = new SipIngress(new FloodGuard(noFloodLimit, System::currentTimeMillis, () -> { }),
        new SipMetrics(new SimpleMeterRegistry()));
    ingress.setTransactions(layer);
    boolean[] backlogged = {false};
    long[] now = {1_000_000};
    List<SipResponse> refused = new ArrayList<>();
    ingress.setOverload(() -> backlogged[0], (r, f) -> refused.add(r), () -> now[0]);
    java.util.function.Consumer<String> in = text -> ingress.onMessage(SipMessageParser.parse(text), phone,
        phone.remoteAddress());
    String invite = request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "");
    java.util.function.Supplier<String> register = () -> request("REGISTER", "sip:example.org",
        "<sip:999100001@example.org>", "<sip:999100001@example.org>", "");
    in.accept(invite);
    assertThat(responses).extracting(SipResponse::status).as("routed: 100 and the 407 challenge")
        .containsExactly(100, 407);

    // a backlog alone (a burst, a slow start that still answers in time) refuses nothing, window after window
    backlogged[0] = true;
    for (int window = 0; window < 3; window++) {
      for (int i = 0; i < 30; i++) {
        in.accept(register.get());
      }
      now[0] += SipIngress.WINDOW_MILLIS;
    }
    assertThat(refused).isEmpty();

    // backlogged and peers retransmit (a tenth of the requests or more): new requests get 503 at once
    in.accept(register.get()); // opens a window
    for (int i = 0; i < 18; i++) {
      in.accept(register.get());
    }
    for (int i = 0; i < 3; i++) {
      in.accept(invite); // retransmissions: answered by their transaction, as always
    }
    now[0] += SipIngress.WINDOW_MILLIS;
    responses.clear();
    int transactionsBefore = layer.serverTransactionCount();
    in.accept(request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", ""));
    in.accept(register.get());
    assertThat(refused).extracting(SipResponse::status).containsExactly(503, 503);
    assertThat(refused.get(0).header("Retry-After")).isEqualTo("5");
    assertThat(refused.get(0).toTag()).isNotNull();
    assertThat(layer.serverTransactionCount()).as("no transaction for a refused request").isEqualTo(transactionsBefore);
    // work under way goes on: a retransmission, in-dialog requests, CANCEL
    in.accept(invite);
    in.accept(request("BYE", "sip:999100002@192.0.2.9", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>;tag=t9", ""));
    in.accept(request("CANCEL", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", ""));
    assertThat(responses).extracting(SipResponse::status).containsExactly(407, 404, 481);
    assertThat(refused).hasSize(2);

    backlogged[0] = false; // the queue drained
    responses.clear();
    in.accept(request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", ""));
    assertThat(responses).extracting(SipResponse::status).containsExactly(100, 407);
    backlogged[0] = true; // backlogged again: judged anew, nothing refused without retransmissions
    in.accept(register.get());
    assertThat(refused).hasSize(2);
  }

  @Test
  void initialChecks() {
    assertThat(send(request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "Max-Forwards: 0\r\n")).status()).isEqualTo(483);
    SipResponse options = send(request("OPTIONS", "sip:example.org", "<sip:ping@192.0.2.1>", "<sip:example.org>",
        ""));
    assertThat(options.status()).isEqualTo(200);
    assertThat(options.header("Allow")).contains("INVITE").contains("MESSAGE");
    assertThat(send(request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "Proxy-Require: foo\r\n")).status()).isEqualTo(420);
  }

  @Test
  void cancelWithoutItsInviteIs481AndInDialogWithoutOurRouteIs404() {
    assertThat(send(request("CANCEL", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "")).status()).isEqualTo(481);
    assertThat(send(request("BYE", "sip:999100002@192.0.2.9", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>;tag=t9", "")).status()).isEqualTo(404);
  }

  @Test
  void neitherFromNorToALocalUserIsNotRelayed() {
    SipResponse r = send(request("INVITE", "sip:bob@other.example", "<sip:alice@elsewhere.example>",
        "<sip:bob@other.example>", ""));
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.reason()).isEqualTo("Not relaying");
  }

  @Test
  void localUsersAreChallengedAndMustBeWhoTheySayTheyAre() {
    String invite = request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "");
    SipResponse challenge = send(invite);
    assertThat(challenge.status()).isEqualTo(407);
    assertThat(challenge.proxyAuthenticates()).extracting(h -> h.param("algorithm")).containsExactly("MD5", "SHA-256");
    // credentials of 999100002 on a request From 999100001
    SipResponse forbidden = send(withAuth(request("INVITE", "sip:999100002@example.org",
        "<sip:999100001@example.org>", "<sip:999100002@example.org>", ""), "Proxy-Authorization", challenge,
        "999100002", "INVITE", "sip:999100002@example.org"));
    assertThat(forbidden.status()).isEqualTo(403);
    String rightUser = request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", "");
    SipResponse noContact = send(withAuth(rightUser, "Proxy-Authorization", challenge, "999100001", "INVITE",
        "sip:999100002@example.org", "00000002"));
    assertThat(noContact.status()).as("known number without contact").isEqualTo(480);
    // the same nonce-count again is a replay: challenged again with stale=true
    SipResponse replay = send(withAuth(request("INVITE", "sip:999100002@example.org", "<sip:999100001@example.org>",
        "<sip:999100002@example.org>", ""), "Proxy-Authorization", challenge, "999100001", "INVITE",
        "sip:999100002@example.org", "00000002"));
    assertThat(replay.status()).isEqualTo(407);
    assertThat(replay.proxyAuthenticates().get(0).param("stale")).isEqualTo("true");
  }

  @Test
  void unknownNumberIs404() {
    assertThat(send(request("INVITE", "sip:999100999@example.org", "<sip:gw@gsm.example>",
        "<sip:999100999@example.org>", "")).status()).isEqualTo(404);
    assertThat(send(request("INVITE", "sip:alice@example.org", "<sip:gw@gsm.example>",
        "<sip:alice@example.org>", "")).status()).isEqualTo(404);
  }

  @Test
  void registerThenACallIsForkedRecordRoutedAndItsResponsesRelayed() {
    String register = request("REGISTER", "sip:example.org", "<sip:999100002@example.org>",
        "<sip:999100002@example.org>", "Expires: 600\r\n").replace("sip:999100001@192.0.2.1:5070",
        "sip:999100002@192.0.2.1:5070");
    SipResponse challenge = send(register);
    assertThat(challenge.status()).isEqualTo(401);
    SipResponse ok = send(withAuth(register.replace("CSeq: 1", "CSeq: 2").replace("branch=z9hG4bKREGISTER",
        "branch=z9hG4bKREGISTERx"), "Authorization", challenge, "999100002", "REGISTER", "sip:example.org"));
    assertThat(ok.status()).as(String.valueOf(ok)).isEqualTo(200);
    assertThat(ok.header("Contact")).isEqualTo("<sip:999100002@192.0.2.1:5070>;expires=600");
    assertThat(location.lookup("999100002", System.currentTimeMillis())).hasSize(1);

    // a call from the GSM gateway (not a local user: no challenge) to the registered number
    forwarded.clear();
    String invite = request("INVITE", "sip:999100002@example.org", "<sip:5551234@gsm.example>",
        "<sip:999100002@example.org>", "Max-Forwards: 70\r\n");
    SipResponse none = send(invite);
    assertThat(none).as("only 100 Trying so far").isNull();
    assertThat(forwarded).hasSize(1);
    SipRequest out = forwarded.get(0);
    assertThat(out.requestUri().toString()).isEqualTo("sip:999100002@192.0.2.1:5070");
    assertThat(out.maxForwards()).isEqualTo(69);
    assertThat(out.vias()).hasSize(2);
    assertThat(out.topVia().host()).isEqualTo("198.51.100.10");
    assertThat(out.recordRoutes()).as("UDP to UDP, contacts reachable: one entry").hasSize(1);
    assertThat(hops.get(0).host()).isEqualTo("192.0.2.1");
    assertThat(hops.get(0).port()).isEqualTo(5070);

    SipResponse ringing = out.createResponse(180);
    ringing.setToTag("callee");
    responses.clear();
    layer.onMessage(ringing, phone, phone.remoteAddress());
    assertThat(responses).extracting(SipResponse::status).containsExactly(180);
    assertThat(responses.get(0).vias()).as("our Via removed").hasSize(1);
    assertThat(responses.get(0).topVia().host()).isEqualTo("192.0.2.1");

    SipResponse answer = out.createResponse(200);
    answer.setToTag("callee");
    responses.clear();
    layer.onMessage(answer, phone, phone.remoteAddress());
    assertThat(responses).extracting(SipResponse::status).containsExactly(200);
  }

  @Test
  void allBranchesFailingYieldsTheBestResponse() {
    location.register(new Registrar.Request("999100002", one.webph.sip.message.Contact.parseList(
        "<sip:a@192.0.2.21:5060>, <sip:b@192.0.2.22:5060>"), 600, "reg", 1, "udp:5060:192.0.2.21:5060", Transport.UDP,
        "192.0.2.21", 5060, null), System.currentTimeMillis());
    forwarded.clear();
    send(request("INVITE", "sip:999100002@example.org", "<sip:5551234@gsm.example>", "<sip:999100002@example.org>",
        ""));
    assertThat(forwarded).as("parallel forking to both contacts").hasSize(2);
    responses.clear();
    SipResponse unavailable = forwarded.get(0).createResponse(480);
    unavailable.setToTag("a");
    layer.onMessage(unavailable, phone, phone.remoteAddress());
    assertThat(responses).as("waits for the other branch").isEmpty();
    SipResponse busy = forwarded.get(1).createResponse(486);
    busy.setToTag("b");
    layer.onMessage(busy, phone, phone.remoteAddress());
    assertThat(responses.stream().map(SipResponse::status).collect(Collectors.toList())).containsExactly(486);
  }

  private static final String SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
      + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

  @Test
  void aRetransmitted2xxGoesUpAsFirstRelayedEvenAfterTheByeWithoutAnchoringAgain() {
    location.register(new Registrar.Request("999100002", one.webph.sip.message.Contact.parseList(
        "<sip:b@192.0.2.22:5060>"), 600, "reg", 1, "udp:5060:192.0.2.22:5060", Transport.UDP, "192.0.2.22", 5060,
        null), System.currentTimeMillis());
    forwarded.clear();
    String invite = request("INVITE", "sip:999100002@example.org", "<sip:5551234@gsm.example>",
        "<sip:999100002@example.org>", "Content-Type: application/sdp\r\n")
        .replace("Content-Length: 0\r\n\r\n", "Content-Length: " + SDP.length() + "\r\n\r\n" + SDP);
    send(invite);
    assertThat(forwarded).hasSize(1);
    SipRequest out = forwarded.get(0);
    assertThat(new String(out.body())).as("offer anchored").contains("c=IN IP4 203.0.113.1");

    SipResponse ok = out.createResponse(200);
    ok.setToTag("callee");
    ok.addHeader("Contact", "<sip:b@192.0.2.22:5060>");
    ok.setBody(SDP.replace("192.0.2.1", "192.0.2.22").getBytes(), "application/sdp");
    responses.clear();
    layer.onMessage(ok, phone, phone.remoteAddress());
    assertThat(responses).extracting(SipResponse::status).containsExactly(200);
    assertThat(new String(responses.get(0).body())).contains("c=IN IP4 203.0.113.22");
    assertThat(anchor.answers).isEqualTo(1);

    // the caller hangs up (its BYE releases the media), then the callee's 200 retransmission arrives
    anchor.release(out.callId());
    responses.clear();
    layer.onMessage(SipMessageParser.parse(new String(ok.encode(), java.nio.charset.StandardCharsets.UTF_8)), phone, phone.remoteAddress());
    assertThat(responses).as("the retransmission goes up once, as relayed the first time").hasSize(1);
    assertThat(responses.get(0).status()).isEqualTo(200);
    assertThat(new String(responses.get(0).body())).as("never the callee's raw SDP")
        .contains("c=IN IP4 203.0.113.22").doesNotContain("192.0.2.22");
    assertThat(anchor.answers).as("not anchored again").isEqualTo(1);

  }
}
