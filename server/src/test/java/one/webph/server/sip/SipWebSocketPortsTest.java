package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import one.webph.server.tls.TestCertificates;
import one.webph.server.tls.TlsCertificates;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dedicated WebSocket listeners WS_PORT and WSS_PORT (the original MY_WS_PORT/MY_WSS_PORT): a WebSocket SIP
 * client registers over each and a call from a UDP sipp phone reaches it down that same connection; a WebSocket
 * that does not offer sub-protocol {@code sip} is closed with a status saying so, on these ports and on HTTPS; a
 * certificate swap reaches the WSS port without dropping a registered client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SipWebSocketPortsTest {
  private static final String PASSWORD = "ws-ports-test-password";
  private static final String WS_CLIENT = "999100611";
  private static final String WSS_CLIENT = "999100612";
  private static final String PHONE = "999100613";
  private static final String WSS_RENEWAL = "999100614";
  private static TestServer server;
  private static int sipPort;
  private static int wsPort;
  private static int wssPort;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    sipPort = Sipp.freePort();
    wsPort = Sipp.freePort();
    wssPort = Sipp.freePort();
    // MD5 first for sipp (it answers the first challenge only); the WebSocket client picks SHA-256
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "DIGEST_ALGORITHMS", "MD5,SHA-256", "WS_PORT", Integer.toString(wsPort), "WSS_PORT",
        Integer.toString(wssPort)));
    for (String number : List.of(WS_CLIENT, WSS_CLIENT, PHONE, WSS_RENEWAL)) {
      server.app().context().subscribers().create(number, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static SipComponent sip() {
    return server.app().context().service(SipComponent.class).orElseThrow();
  }

  @ParameterizedTest(name = "secure={0}")
  @ValueSource(booleans = {false, true})
  void clientRegistersOverTheDedicatedPortAndIsCalledDownThatConnection(boolean secure) throws Exception {
    String number = secure ? WSS_CLIENT : WS_CLIENT;
    int port = secure ? wssPort : wsPort;
    Transport transport = secure ? Transport.WSS : Transport.WS;
    try (Sipp sipp = new Sipp();
        WebSocketSipClient client = new WebSocketSipClient(server.app().context().vertx(), port, secure,
            "localhost", number, PASSWORD)) {
      assertThat(client.subProtocol()).isEqualTo("sip");
      SipResponse registered = client.register(600);
      assertThat(registered.status()).as(registered.toString()).isEqualTo(200);

      // the server bound the number to the connection accepted on the dedicated port
      List<Binding> bindings = sip().location().lookup(number, System.currentTimeMillis());
      assertThat(bindings).hasSize(1);
      assertThat(bindings.get(0).transport()).isEqualTo(transport);
      SipFlow flow = sip().transport().flow(bindings.get(0).flowId()).orElseThrow();
      assertThat(flow.localAddress().port()).as("accepted on the dedicated port").isEqualTo(port);

      sipp.users("caller", PHONE, PASSWORD);
      Process caller = sipp.start("call", "127.0.0.1:" + sipPort, "-sf", "uac_call_auth.xml", "-inf", "caller.csv",
          "-s", number, "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(Sipp.freePort()), "-i",
          "127.0.0.1", "-m", "1", "-d", "200", "-timeout", "30", "-timeout_error");
      // the client has this one socket: every request below arrived over the connection it registered on
      SipRequest invite = client.nextRequest(15);
      assertThat(invite.method()).isEqualTo("INVITE");
      assertThat(invite.requestUri().toString()).contains(client.contactHost);
      assertThat(invite.topVia().transport()).as("the proxy's Via names the dedicated transport")
          .isEqualToIgnoringCase(transport.name());
      assertThat(invite.topVia().port()).as("and its port").isEqualTo(port);
      client.answer(invite, 180, "ws-port-tag", null);
      client.answer(invite, 200, "ws-port-tag", SipWebSocketTest.BROWSER_ANSWER);
      assertThat(client.nextRequest(10).method()).isEqualTo("ACK");
      SipRequest bye = client.nextRequest(10);
      assertThat(bye.method()).isEqualTo("BYE");
      client.answer(bye, 200, null, null);
      assertThat(Sipp.waitFor(caller, 30)).as(sipp.log("call")).isZero();
    }
  }

  @Test
  void aNewCertificateReachesNewWssConnectionsWhileARegisteredClientStaysConnected() throws Exception {
    TlsCertificates tls = server.app().context().tlsCertificates();
    X509Certificate original = tls.certificate();
    String originalKey = Files.readString(server.dataDir().resolve("tls/self-signed-key.pem"));
    String originalChain = tls.certificatePem();
    try (WebSocketSipClient client = new WebSocketSipClient(server.app().context().vertx(), wssPort, true,
        "localhost", WSS_RENEWAL, PASSWORD)) {
      assertThat(client.register(600).status()).isEqualTo(200);
      String[] replacement = TestCertificates.generate("localhost");
      tls.update(replacement[0], replacement[1], "test renewal");
      try {
        X509Certificate renewed = tls.certificate();
        X509Certificate served = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && !renewed.equals(served)) {
          try (TlsSipConnection handshake = new TlsSipConnection(wssPort)) {
            served = handshake.peerCertificate();
          }
          Thread.sleep(100);
        }
        assertThat(served).as("certificate of a WSS connection opened after the swap").isEqualTo(renewed)
            .isNotEqualTo(original);
        // the client connected before the swap refreshes its registration over the same WebSocket
        assertThat(client.register(600).status()).isEqualTo(200);
        assertThat(sip().location().lookup(WSS_RENEWAL, System.currentTimeMillis())).hasSize(1);
      } finally {
        tls.update(originalChain, originalKey, "restored");
      }
    }
  }

  @Test
  void webSocketWithoutSipSubProtocolIsClosedWithTheReason() throws Exception {
    var vertx = server.app().context().vertx();
    for (String outcome : List.of(WebSocketSipClient.connectWithoutSipSubProtocol(vertx, wsPort, false),
        WebSocketSipClient.connectWithoutSipSubProtocol(vertx, wssPort, true),
        WebSocketSipClient.connectWithoutSipSubProtocol(vertx, server.app().httpsPort(), true))) {
      assertThat(outcome).isEqualTo("closed 1002 SIP sub-protocol required");
    }
  }
}
