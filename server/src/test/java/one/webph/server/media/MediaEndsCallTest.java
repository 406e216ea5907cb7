package one.webph.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import one.webph.media.sdp.SessionDescription;
import one.webph.server.testing.TestServer;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy and the relay together at the edges of a call: a call ringing longer than MEDIA_TIMEOUT_SECONDS is
 * not cut, an answered call without media is hung up by the proxy with a BYE to both phones, and a late offer
 * (INVITE without SDP: offer in the 200, answer in the ACK) is anchored in the relay too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MediaEndsCallTest {
  private static final String PASSWORD = "media-end-password";
  private static final String CALLER = "999100520";
  private static final String CALLEE = "999100521";
  private static final int MIN_PORT = 44600;
  private static final int MAX_PORT = 44699;
  private static final int MEDIA_TIMEOUT_SECONDS = 5; // the smallest the configuration allows
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    sipPort = MediaCallTest.freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "MEDIA_PORTS", MIN_PORT + "-" + MAX_PORT, "MEDIA_TIMEOUT_SECONDS", Integer.toString(MEDIA_TIMEOUT_SECONDS)));
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

  private static DatagramSocket mediaSocket() throws Exception {
    return new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  private static CompletableFuture<SipResponse> inviteAsync(UdpSipPhone caller, String sdp) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return caller.invite(CALLEE, sdp);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static RelayMediaAnchor anchor() {
    return server.app().context().service(RelayMediaAnchor.class).orElseThrow();
  }

  private static void waitForNoMedia() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (anchor().callCount() > 0 || anchor().sessionCount() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("media still anchored: " + anchor().callCount() + " call(s)");
      }
      Thread.sleep(50);
    }
  }

  @Test
  void aCallRingingLongerThanTheMediaTimeoutSurvivesAndIsHungUpWhenItsMediaStaysSilent() throws Exception {
    try (UdpSipPhone caller = new UdpSipPhone(CALLER, PASSWORD, "localhost", sipPort);
         UdpSipPhone callee = new UdpSipPhone(CALLEE, PASSWORD, "localhost", sipPort);
         DatagramSocket callerMedia = mediaSocket();
         DatagramSocket calleeMedia = mediaSocket()) {
      assertThat(callee.register(600).status()).isEqualTo(200);
      CompletableFuture<SipResponse> answered = inviteAsync(caller, MediaCallTest.phoneSdp(callerMedia.getLocalPort()));
      SipRequest invite = callee.nextRequest("INVITE", 15);
      String toTag = "callee-silent";
      callee.answer(invite, 180, toTag, null);
      // ring longer than the media timeout: silence while ringing is expected
      Thread.sleep(TimeUnit.SECONDS.toMillis(MEDIA_TIMEOUT_SECONDS) + 1500);
      assertThat(anchor().callCount()).as("the ringing call's media is still anchored").isEqualTo(1);
      callee.answer(invite, 200, toTag, MediaCallTest.phoneSdp(calleeMedia.getLocalPort()));
      SipResponse ok = answered.get(20, TimeUnit.SECONDS);
      assertThat(ok.status()).isEqualTo(200);
      long answeredAt = System.nanoTime();
      caller.ack();
      assertThat(callee.nextRequest("ACK", 10)).isNotNull();

      // no RTP at all: the relay declares the media dead and the proxy hangs up both sides
      SipRequest byeToCallee = callee.nextRequest("BYE", MEDIA_TIMEOUT_SECONDS + 10);
      SipRequest byeToCaller = caller.nextRequest("BYE", 10);
      assertThat(System.nanoTime() - answeredAt).as("not before the media timeout after the answer")
          .isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(MEDIA_TIMEOUT_SECONDS) - TimeUnit.MILLISECONDS.toNanos(100));

      assertThat(byeToCallee.callId()).isEqualTo(invite.callId());
      assertThat(byeToCallee.fromTag()).isEqualTo(invite.fromTag());
      assertThat(byeToCallee.toTag()).isEqualTo(toTag);
      assertThat(byeToCallee.cseq().number()).isGreaterThan(invite.cseq().number());
      assertThat(byeToCallee.requestUri().toString()).isEqualTo(ok.contacts().get(0).uri().toString());
      assertThat(byeToCallee.routes()).as("our Route entries were consumed").isEmpty();
      assertThat(byeToCaller.callId()).isEqualTo(invite.callId());
      assertThat(byeToCaller.fromTag()).isEqualTo(toTag);
      assertThat(byeToCaller.toTag()).isEqualTo(invite.fromTag());
      assertThat(byeToCaller.requestUri().toString()).isEqualTo(invite.contacts().get(0).uri().toString());
      assertThat(byeToCaller.header("Reason")).contains("media ended");
      callee.answer(byeToCallee, 200, null, null);
      caller.answer(byeToCaller, 200, null, null);
      waitForNoMedia();
    }
  }

  @Test
  void aLateOfferIsAnchoredInTheRelay() throws Exception {
    try (UdpSipPhone caller = new UdpSipPhone(CALLER, PASSWORD, "localhost", sipPort);
         UdpSipPhone callee = new UdpSipPhone(CALLEE, PASSWORD, "localhost", sipPort);
         DatagramSocket callerMedia = mediaSocket();
         DatagramSocket calleeMedia = mediaSocket()) {
      assertThat(callee.register(600).status()).isEqualTo(200);
      CompletableFuture<SipResponse> answered = inviteAsync(caller, null);
      SipRequest invite = callee.nextRequest("INVITE", 15);
      assertThat(invite.body()).isEmpty();
      callee.answer(invite, 200, "callee-late", MediaCallTest.phoneSdp(calleeMedia.getLocalPort()));
      SipResponse ok = answered.get(20, TimeUnit.SECONDS);
      assertThat(ok.status()).isEqualTo(200);
      SessionDescription offer = SessionDescription.parse(ok.bodyAsString());
      assertThat(offer.audio().port()).as("the offer in the 200 points at the relay").isBetween(MIN_PORT, MAX_PORT);
      assertThat(anchor().callCount()).isEqualTo(1);

      caller.ack(MediaCallTest.phoneSdp(callerMedia.getLocalPort()));
      SipRequest ack = callee.nextRequest("ACK", 10);
      SessionDescription answer = SessionDescription.parse(ack.bodyAsString());
      assertThat(answer.audio().port()).as("the answer in the ACK points at the relay").isBetween(MIN_PORT, MAX_PORT)
          .isNotEqualTo(offer.audio().port());
      assertThat(answer.audio().port()).isNotEqualTo(callerMedia.getLocalPort());

      CompletableFuture<SipResponse> byeAnswer = CompletableFuture.supplyAsync(() -> {
        try {
          return caller.bye();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      callee.answer(callee.nextRequest("BYE", 10), 200, null, null);
      assertThat(byeAnswer.get(15, TimeUnit.SECONDS).status()).isEqualTo(200);
      waitForNoMedia();
    }
  }
}
