package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.util.List;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Via;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportOptions;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing decisions: our routes, loose routing with flow tokens, next hops, loops, best response, sanity. */
class RoutingTest {
  private static Vertx vertx;
  private static SipTransportLayer transport;
  private static final FlowTokens TOKENS = new FlowTokens(new byte[32]);
  private static Routing routing;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    transport = new SipTransportLayer(vertx, new SipTransportOptions().setAdvertisedHost("198.51.100.10")
        .addLocalAlias("example.org"), new one.webph.sip.transport.SipTransportListener() {
          @Override
          public void onMessage(one.webph.sip.message.SipMessage m, one.webph.sip.transport.SipFlow f,
              io.vertx.core.net.SocketAddress s) { }
        });
    routing = new Routing("example.org", transport, TOKENS);
  }

  @AfterAll
  static void tearDown() {
    vertx.close();
  }

  private static SipRequest parse(String text) {
    return (SipRequest) SipMessageParser.parse(text.replace("\n", "\r\n"));
  }

  private static String request(String method, String uri, String extra) {
    return method + " " + uri + " SIP/2.0\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKabc;rport\n"
        + extra
        + "Max-Forwards: 70\nFrom: <sip:999100001@example.org>;tag=f1\nTo: <sip:999100002@example.org>;tag=t1\n"
        + "Call-ID: call-1\nCSeq: 2 " + method + "\nContent-Length: 0\n\n";
  }

  @Test
  void recognisesOurHostsAndRequestsForTheServer() {
    assertThat(routing.isLocalHost("example.org")).isTrue();
    assertThat(routing.isLocalHost("EXAMPLE.ORG")).isTrue();
    assertThat(routing.isLocalHost("198.51.100.10")).isTrue();
    assertThat(routing.isLocalHost("other.example")).isFalse();
    assertThat(routing.isForServer(parse(request("OPTIONS", "sip:example.org", "")))).isTrue();
    assertThat(routing.isForServer(parse(request("OPTIONS", "sip:999100002@example.org", "")))).isFalse();
  }

  @Test
  void loosRoutingPopsOurEntriesAndFollowsTheLastFlowToken() {
    String udpToken = TOKENS.encode("hop:UDP:5070:192.0.2.1");
    SipRequest bye = parse(request("BYE", "sip:abc@xyz.invalid;transport=ws",
        "Route: <sip:" + udpToken + "@198.51.100.10;lr>, <sip:198.51.100.10:443;transport=wss;lr>\n"));
    Routing.PoppedRoutes popped = routing.popOurRoutes(bye);
    assertThat(popped.count()).isEqualTo(2);
    assertThat(bye.routes()).isEmpty();
    assertThat(popped.lastFlowPayload()).isNull();

    SipRequest towardsPhone = parse(request("BYE", "sip:999100001@192.168.1.20:5060",
        "Route: <sip:198.51.100.10:443;transport=wss;lr>, <sip:" + udpToken + "@198.51.100.10;lr>\n"));
    Routing.PoppedRoutes p2 = routing.popOurRoutes(towardsPhone);
    assertThat(p2.lastFlowPayload()).isEqualTo("hop:UDP:5070:192.0.2.1");
    Routing.Target target = routing.nextHop(towardsPhone, p2);
    assertThat(target.hop().transport()).isEqualTo(Transport.UDP);
    assertThat(target.hop().host()).isEqualTo("192.0.2.1");
    assertThat(target.hop().port()).isEqualTo(5070);
    assertThat(target.requestUri().toString()).isEqualTo("sip:999100001@192.168.1.20:5060");
  }

  @Test
  void aForgedTokenIsNotOurs() {
    String forged = TOKENS.encode("wss-1@203.0.113.5:4000").replaceFirst(".$", "A");
    SipRequest bye = parse(request("BYE", "sip:abc@xyz.invalid;transport=ws",
        "Route: <sip:" + forged + "@198.51.100.10;lr>\n"));
    assertThat(routing.popOurRoutes(bye).count()).isZero();
    assertThat(TOKENS.decode("garbage")).isNull();
    assertThat(TOKENS.decode(TOKENS.encode("tcp-3@192.0.2.1:5000"))).isEqualTo("tcp-3@192.0.2.1:5000");
  }

  @Test
  void nextHopFollowsAForeignRouteThenTheRequestUri() {
    SipRequest r = parse(request("BYE", "sip:bob@192.0.2.50:5080",
        "Route: <sip:198.51.100.10;lr>, <sip:proxy.other.example;transport=tcp;lr>\n"));
    Routing.PoppedRoutes popped = routing.popOurRoutes(r);
    Routing.Target t = routing.nextHop(r, popped);
    assertThat(t.hop().transport()).isEqualTo(Transport.TCP);
    assertThat(t.hop().host()).isEqualTo("proxy.other.example");
    assertThat(t.hop().port()).isEqualTo(5060);

    SipRequest plain = parse(request("BYE", "sips:bob@192.0.2.50", "Route: <sip:198.51.100.10;lr>\n"));
    Routing.Target t2 = routing.nextHop(plain, routing.popOurRoutes(plain));
    assertThat(t2.hop().transport()).isEqualTo(Transport.TLS);
    assertThat(t2.hop().port()).isEqualTo(5061);
    assertThat(routing.targetForUri(one.webph.sip.message.Uri.parse("sip:a@b.invalid;transport=ws")).reachable())
        .as("we cannot connect to a WebSocket peer").isFalse();
  }

  @Test
  void closedConnectionBindingIsUnreachableUdpFallsBackToItsSource() {
    Binding ws = new Binding("999100002", one.webph.sip.message.Uri.parse("sip:x@y.invalid;transport=ws"), null, -1,
        "c", 1, Long.MAX_VALUE, "wss-99@203.0.113.5:4000", Transport.WSS, "203.0.113.5", 4000, null, 0, -1);
    assertThat(routing.targetForBinding(ws).reachable()).isFalse();
    Binding udp = new Binding("999100002", one.webph.sip.message.Uri.parse("sip:999100002@10.0.0.5:5060"), null, -1,
        "c", 1, Long.MAX_VALUE, "udp:5060:203.0.113.5:34000", Transport.UDP, "203.0.113.5", 34000, null, 0, -1);
    Routing.Target t = routing.targetForBinding(udp);
    assertThat(t.hop().host()).isEqualTo("203.0.113.5");
    assertThat(t.hop().port()).isEqualTo(34000);
    assertThat(t.requestUri().toString()).isEqualTo("sip:999100002@10.0.0.5:5060");
  }

  @Test
  void aRequestComingBackWithOurBranchIsALoopASpiralIsNot() {
    SipRequest first = parse(request("INVITE", "sip:999100002@example.org", ""));
    Via ours = routing.newVia(Transport.UDP, Routing.loopHash(first));
    SipRequest looped = first.copy();
    looped.pushVia(ours);
    looped.pushVia(Via.of("UDP", "192.0.2.99", 5060, Via.newBranch(), true));
    assertThat(routing.isLoop(looped)).isTrue();
    SipRequest spiral = looped.copy();
    spiral.setRequestUri(one.webph.sip.message.Uri.parse("sip:999100003@example.org"));
    assertThat(routing.isLoop(spiral)).isFalse();
    assertThat(routing.isLoop(first)).isFalse();
  }

  @Test
  void bestResponseSelection() {
    SipRequest invite = parse(request("INVITE", "sip:999100002@example.org", ""));
    SipResponse busy = invite.createResponse(486);
    SipResponse timeout = ProxyCore.markLocal(invite.createResponse(408));
    SipResponse unreachable = ProxyCore.markLocal(invite.createResponse(503));
    SipResponse decline = invite.createResponse(603);
    SipResponse moved = invite.createResponse(302);
    assertThat(ProxyCore.chooseBest(List.of(timeout, busy, unreachable)).status()).isEqualTo(486);
    assertThat(ProxyCore.chooseBest(List.of(busy, decline)).status()).isEqualTo(603);
    assertThat(ProxyCore.chooseBest(List.of(busy, moved)).status()).isEqualTo(302);
    assertThat(ProxyCore.chooseBest(List.of(unreachable, timeout)).status()).isEqualTo(408);
    assertThat(ProxyCore.chooseBest(List.of())).isNull();
  }

  @Test
  void sanityChecks() {
    assertThat(SipService.sanityProblem(parse(request("INVITE", "sip:999100002@example.org", "")))).isNull();
    // the parser rejects a CSeq/method mismatch itself; a message built in code is checked here
    SipRequest wrongCseq = parse(request("INVITE", "sip:999100002@example.org", ""));
    wrongCseq.setHeader("CSeq", "2 BYE");
    assertThat(SipService.sanityProblem(wrongCseq)).startsWith("400");
    SipRequest noCallId = parse(request("INVITE", "sip:999100002@example.org", ""));
    noCallId.removeHeader("Call-ID");
    assertThat(SipService.sanityProblem(noCallId)).startsWith("400");
    SipRequest mailto = parse(request("MESSAGE", "mailto:someone@example.org", ""));
    assertThat(SipService.sanityProblem(mailto)).startsWith("416");
    SipRequest noTag = parse(request("INVITE", "sip:999100002@example.org", "").replace(";tag=f1", ""));
    assertThat(SipService.sanityProblem(noTag)).startsWith("400");
  }
}
