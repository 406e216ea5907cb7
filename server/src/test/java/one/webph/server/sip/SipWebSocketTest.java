package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIP over secure WebSocket: a browser-like client registers (SHA-256 digest), receives a call from a UDP sipp
 * agent through the proxy (INVITE, 180, 200, ACK and BYE all down its WebSocket), then closes the socket; the
 * next call to its number is answered 480 at once, because the contact went with the connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SipWebSocketTest {
  /**
   * What a browser answers (WebRTC: ICE + DTLS-SRTP): the relay answers it for the phone; a plain RTP answer
   * from a WebSocket client would be refused by the relay and the call hung up.
   */
  static final String BROWSER_ANSWER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      + "a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      + "a=ice-ufrag:Wq3z\r\na=ice-pwd:h7Yb2kPq9sLm4nVc8xRt1aZd\r\n"
      + "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:"
      + "A1:2C:19:08\r\na=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";

  private static final String PASSWORD = "ws-test-password";
  private static final String BROWSER = "999100501";
  private static final String PHONE = "999100502";
  private static final String TWO_DEVICES = "999100503";
  private static final String TWO_DEVICES_BUSY = "999100504";
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    sipPort = Sipp.freePort();
    // MD5 first for sipp (it answers the first challenge only); the WebSocket client picks SHA-256
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "DIGEST_ALGORITHMS", "MD5,SHA-256"));
    for (String number : new String[] {BROWSER, PHONE, TWO_DEVICES, TWO_DEVICES_BUSY}) {
      server.app().context().subscribers().create(number, PASSWORD, null).await(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void browserRegistersTakesACallAndItsContactDiesWithTheSocket() throws Exception {
    try (Sipp sipp = new Sipp();
        WebSocketSipClient browser = new WebSocketSipClient(server.app().context().vertx(),
            server.app().httpsPort(), "localhost", BROWSER, PASSWORD)) {
      assertThat(browser.subProtocol()).isEqualTo("sip");
      SipResponse registered = browser.register(600);
      assertThat(registered.status()).as(registered.toString()).isEqualTo(200);
      assertThat(registered.header("Contact")).contains(browser.contactHost).contains("reg-id=1")
          .contains("expires=600");

      sipp.users("caller", PHONE, PASSWORD);
      String target = "127.0.0.1:" + sipPort;
      Process caller = sipp.start("call", target, "-sf", "uac_call_auth.xml", "-inf", "caller.csv", "-s", BROWSER,
          "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(Sipp.freePort()), "-i", "127.0.0.1",
          "-m", "1", "-d", "200", "-timeout", "30", "-timeout_error");

      SipRequest invite = browser.nextRequest(15);
      assertThat(invite.method()).isEqualTo("INVITE");
      assertThat(invite.requestUri().toString()).contains(browser.contactHost);
      assertThat(invite.recordRoutes()).as("WS to UDP: one Record-Route per side").hasSize(2);
      browser.answer(invite, 180, "browser-tag", null);
      browser.answer(invite, 200, "browser-tag", BROWSER_ANSWER);
      SipRequest ack = browser.nextRequest(10);
      assertThat(ack.method()).isEqualTo("ACK");
      SipRequest bye = browser.nextRequest(10);
      assertThat(bye.method()).isEqualTo("BYE");
      browser.answer(bye, 200, null, null);
      assertThat(Sipp.waitFor(caller, 30)).as(sipp.log("call")).isZero();

      browser.closeSocket();
      long started = System.nanoTime();
      int exit = sipp.run("after-close", 20, target, "-sf", "uac_unavailable.xml", "-inf", "caller.csv", "-s",
          BROWSER, "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(Sipp.freePort()), "-i",
          "127.0.0.1", "-m", "1", "-timeout", "10", "-timeout_error");
      assertThat(exit).as("480 right after the socket closed: " + sipp.log("after-close")).isZero();
      // bounded sanity check, not a speed assertion: a stale contact would only fail after Timer B (32 s)
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(15);
    }
  }

  private static WebSocketSipClient registeredBrowser(String number) throws Exception {
    WebSocketSipClient c = new WebSocketSipClient(server.app().context().vertx(), server.app().httpsPort(),
        "localhost", number, PASSWORD);
    SipResponse r = c.register(600);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return c;
  }

  private static Process call(Sipp sipp, String scenario, String number, int timeoutSeconds) throws Exception {
    sipp.users("caller", PHONE, PASSWORD);
    return sipp.start("call-" + number, "127.0.0.1:" + sipPort, "-sf", scenario, "-inf", "caller.csv", "-s", number,
        "-key", "domain", "localhost", "-t", "u1", "-p", Integer.toString(Sipp.freePort()), "-i", "127.0.0.1", "-m",
        "1", "-d", "200", "-timeout", Integer.toString(timeoutSeconds), "-timeout_error");
  }

  @Test
  void aDeviceVanishingDuringTheCallDoesNotFailTheCallOnTheOtherDevice() throws Exception {
    try (Sipp sipp = new Sipp();
        WebSocketSipClient gone = registeredBrowser(TWO_DEVICES);
        WebSocketSipClient answering = registeredBrowser(TWO_DEVICES)) {
      Process caller = call(sipp, "uac_call_auth.xml", TWO_DEVICES, 30);
      assertThat(gone.nextRequest(15).method()).isEqualTo("INVITE");
      SipRequest invite = answering.nextRequest(15);
      assertThat(invite.method()).isEqualTo("INVITE");
      gone.closeSocket(); // the app on that device closed while ringing
      answering.answer(invite, 180, "second-device", null);
      answering.answer(invite, 200, "second-device", BROWSER_ANSWER);
      assertThat(answering.nextRequest(10).method()).isEqualTo("ACK");
      SipRequest bye = answering.nextRequest(10);
      assertThat(bye.method()).isEqualTo("BYE");
      answering.answer(bye, 200, null, null);
      assertThat(Sipp.waitFor(caller, 30)).as(sipp.log("call-" + TWO_DEVICES)).isZero();
    }
  }

  @Test
  void aBranchWhoseConnectionClosedFailsAtOnceSoTheOtherAnswerIsNotDelayed() throws Exception {
    try (Sipp sipp = new Sipp();
        WebSocketSipClient gone = registeredBrowser(TWO_DEVICES_BUSY);
        WebSocketSipClient busy = registeredBrowser(TWO_DEVICES_BUSY)) {
      // the caller gives up after 10 s: a branch left hanging would hold the 486 until Timer B (32 s)
      Process caller = call(sipp, "uac_call_busy.xml", TWO_DEVICES_BUSY, 10);
      assertThat(gone.nextRequest(15).method()).isEqualTo("INVITE");
      SipRequest invite = busy.nextRequest(15);
      gone.closeSocket();
      busy.answer(invite, 486, "busy-device", null);
      assertThat(busy.nextRequest(10).method()).as("hop-by-hop ACK of the 486").isEqualTo("ACK");
      assertThat(Sipp.waitFor(caller, 20)).as(sipp.log("call-" + TWO_DEVICES_BUSY)).isZero();
    }
  }
}
