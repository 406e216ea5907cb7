package one.webph.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import one.webph.server.sip.MediaAnchor;
import one.webph.server.testing.TestServer;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MEDIA_RELAY=false: no relay starts and a call between two UDP phones carries each phone's SDP unchanged, as a
 * proxy without media anchoring (Kamailio without rtpengine) would.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MediaRelayOffTest {
  private static final String PASSWORD = "relay-off-password";
  private static final String CALLER = "999100520";
  private static final String CALLEE = "999100521";
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    sipPort = MediaCallTest.freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "MEDIA_RELAY", "false"));
    for (String number : new String[] {CALLER, CALLEE}) {
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
  void noRelayStartsAndSdpPassesUnchanged() throws Exception {
    assertThat(server.app().context().service(RelayMediaAnchor.class)).isEmpty();
    assertThat(server.app().context().service(MediaAnchor.class)).isEmpty();
    try (UdpSipPhone caller = new UdpSipPhone(CALLER, PASSWORD, "localhost", sipPort);
         UdpSipPhone callee = new UdpSipPhone(CALLEE, PASSWORD, "localhost", sipPort)) {
      assertThat(callee.register(600).status()).isEqualTo(200);
      String offer = MediaCallTest.phoneSdp(40000);
      String answer = MediaCallTest.phoneSdp(40002);
      CompletableFuture<SipResponse> answered = CompletableFuture.supplyAsync(() -> {
        try {
          return caller.invite(CALLEE, offer);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      SipRequest invite = callee.nextRequest("INVITE", 15);
      assertThat(invite.bodyAsString()).isEqualTo(offer);
      callee.answer(invite, 200, "callee-tag-off", answer);
      SipResponse ok = answered.get(20, TimeUnit.SECONDS);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.bodyAsString()).isEqualTo(answer);
      caller.ack();
      assertThat(callee.nextRequest("ACK", 10).method()).isEqualTo("ACK");

      CompletableFuture<SipResponse> byeAnswer = CompletableFuture.supplyAsync(() -> {
        try {
          return caller.bye();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      SipRequest bye = callee.nextRequest("BYE", 10);
      callee.answer(bye, 200, null, null);
      assertThat(byeAnswer.get(15, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }
}
