package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import one.webph.sip.message.SipRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Timer C (INVITE_TIMEOUT_SECONDS, here 5 s): a callee that rings forever gets a CANCEL, the caller gets 408,
 * and the number can be called again at once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SipTimerCTest {
  private static final String PASSWORD = "timer-c-password";

  @Test
  void ringingWithoutAnswerEndsWith408AndACancelToTheCallee() throws Exception {
    assertThat(Sipp.available()).as("sipp (Debian sip-tester) is not installed; CI installs it").isTrue();
    int sipPort = Sipp.freePort();
    try (TestServer server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
            "INVITE_TIMEOUT_SECONDS", "5"));
        Sipp sipp = new Sipp()) {
      server.app().context().subscribers().create("999100701", PASSWORD, null).await(10, TimeUnit.SECONDS);
      server.app().context().subscribers().create("999100702", PASSWORD, null).await(10, TimeUnit.SECONDS);
      try (WebSocketSipClient callee = new WebSocketSipClient(server.app().context().vertx(), server.app().httpsPort(),
          "localhost", "999100702", PASSWORD)) {
        assertThat(callee.register(600).status()).isEqualTo(200);
        sipp.users("caller", "999100701", PASSWORD);
        Process caller = sipp.start("call", "127.0.0.1:" + sipPort, "-sf", "uac_call_timeout.xml", "-inf",
            "caller.csv", "-s", "999100702", "-key", "domain", "localhost", "-t", "u1", "-p",
            Integer.toString(Sipp.freePort()), "-i", "127.0.0.1", "-m", "1", "-timeout", "20", "-timeout_error");
        SipRequest invite = callee.nextRequest(15);
        assertThat(invite.method()).isEqualTo("INVITE");
        callee.answer(invite, 180, "ringing-tag", null);
        SipRequest cancel = callee.nextRequest(15);
        assertThat(cancel.method()).isEqualTo("CANCEL");
        callee.answer(cancel, 200, "ringing-tag", null);
        callee.answer(invite, 487, "ringing-tag", null);
        assertThat(callee.nextRequest(10).method()).as("ACK of the 487").isEqualTo("ACK");
        assertThat(Sipp.waitFor(caller, 30)).as(sipp.log("call")).isZero();
      }
    }
  }
}
