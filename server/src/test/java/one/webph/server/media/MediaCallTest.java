package one.webph.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import one.webph.server.testing.TestServer;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call through the whole server (SIP proxy + media component) between two UDP SIP phones: the INVITE reaching
 * the callee and the 200 reaching the caller point at the relay, RTP from each phone's media socket reaches the
 * other with payload intact, and the BYE deletes the session (metrics back to 0 sessions and 0 ports).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MediaCallTest {
  private static final String PASSWORD = "media-call-password";
  private static final String CALLER = "999100510";
  private static final String CALLEE = "999100511";
  private static final int MIN_PORT = 44400;
  private static final int MAX_PORT = 44599;
  private static TestServer server;
  private static int sipPort;

  @BeforeAll
  static void start() throws Exception {
    sipPort = freePort();
    server = TestServer.start(Map.of("SIP_PORT", Integer.toString(sipPort), "DOMAIN", "localhost",
        "MEDIA_PORTS", MIN_PORT + "-" + MAX_PORT));
    assertThat(server.app().context().service(RelayMediaAnchor.class)).as("MediaComponent is started").isPresent();
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

  /** A port free for both UDP and TCP (SIP listens on both), outside the tests' media port ranges. */
  static int freePort() throws Exception {
    for (int i = 0; i < 50; i++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = tcp.getLocalPort();
        if (port >= 44000 && port < 45000) {
          continue; // the media port ranges of these tests: the server refuses a SIP_PORT inside MEDIA_PORTS
        }
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
          return port;
        } catch (java.net.SocketException busy) {
          // taken for UDP: try another
        }
      }
    }
    throw new IllegalStateException("no free port");
  }

  /** A plain phone's SDP offer/answer: PCMU, PCMA and DTMF on the given port of 127.0.0.1. */
  static String phoneSdp(int port) {
    return "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        + "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
  }

  private static DatagramSocket mediaSocket() throws Exception {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    s.setSoTimeout(3000);
    return s;
  }

  /** An RTP packet (RFC 3550): PCMU, the given sequence number, 160 payload bytes derived from it. */
  private static byte[] rtp(int ssrc, int seq) {
    ByteBuffer b = ByteBuffer.allocate(12 + 160);
    b.put((byte) 0x80).put((byte) 0).putShort((short) seq).putInt(seq * 160).putInt(ssrc);
    for (int i = 0; i < 160; i++) {
      b.put((byte) (seq * 7 + i));
    }
    return b.array();
  }

  /** Sends 20 packets from {@code from} to the relay address, one at a time, each received intact by {@code to}. */
  private static void relayTwentyPackets(DatagramSocket from, InetSocketAddress relay, DatagramSocket to, int ssrc)
      throws Exception {
    byte[] buffer = new byte[2048];
    for (int seq = 1; seq <= 20; seq++) {
      byte[] packet = rtp(ssrc, seq);
      from.send(new DatagramPacket(packet, packet.length, relay));
      DatagramPacket in = new DatagramPacket(buffer, buffer.length);
      try {
        to.receive(in);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("RTP packet " + seq + " sent to " + relay + " did not come through the relay");
      }
      assertThat(Arrays.copyOf(in.getData(), in.getLength())).as("packet %d", seq).isEqualTo(packet);
    }
  }

  private static double metric(String name) throws Exception {
    String text = server.get(server.http("/metrics")).body();
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? (\\S+)$").matcher(text);
    assertThat(m.find()).as(name + " in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static void waitForMetric(String name, double value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (metric(name) != value) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " stayed at " + metric(name) + ", expected " + value);
      }
      Thread.sleep(50);
    }
  }

  private static InetSocketAddress mediaAddress(SessionDescription sdp) {
    MediaDescription audio = sdp.audio();
    return new InetSocketAddress(sdp.connectionFor(audio).host(), audio.port());
  }

  @Test
  void callMediaFlowsThroughTheRelayAndEndsWithTheBye() throws Exception {
    try (UdpSipPhone caller = new UdpSipPhone(CALLER, PASSWORD, "localhost", sipPort);
         UdpSipPhone callee = new UdpSipPhone(CALLEE, PASSWORD, "localhost", sipPort);
         DatagramSocket callerMedia = mediaSocket();
         DatagramSocket calleeMedia = mediaSocket()) {
      assertThat(callee.register(600).status()).isEqualTo(200);

      CompletableFuture<SipResponse> answered = CompletableFuture.supplyAsync(() -> {
        try {
          return caller.invite(CALLEE, phoneSdp(callerMedia.getLocalPort()));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      SipRequest invite = callee.nextRequest("INVITE", 15);
      SessionDescription offered = SessionDescription.parse(invite.bodyAsString());
      InetSocketAddress relayForCallee = mediaAddress(offered);
      assertThat(relayForCallee.getHostString()).isEqualTo("127.0.0.1"); // BIND_ADDRESS, no PUBLIC_IP
      assertThat(relayForCallee.getPort()).isBetween(MIN_PORT, MAX_PORT);
      assertThat(offered.audio().proto()).isEqualTo("RTP/AVP");
      assertThat(metric("webphone_media_sessions")).isEqualTo(1.0);

      String toTag = "callee-tag-1";
      callee.answer(invite, 180, toTag, null);
      callee.answer(invite, 200, toTag, phoneSdp(calleeMedia.getLocalPort()));
      SipResponse ok = answered.get(20, TimeUnit.SECONDS);
      assertThat(ok.status()).isEqualTo(200);
      SessionDescription answer = SessionDescription.parse(ok.bodyAsString());
      InetSocketAddress relayForCaller = mediaAddress(answer);
      assertThat(relayForCaller.getHostString()).isEqualTo("127.0.0.1");
      assertThat(relayForCaller.getPort()).isBetween(MIN_PORT, MAX_PORT).isNotEqualTo(relayForCallee.getPort());
      caller.ack();
      assertThat(callee.nextRequest("ACK", 10).method()).isEqualTo("ACK");

      relayTwentyPackets(callerMedia, relayForCaller, calleeMedia, 0x11111111);
      relayTwentyPackets(calleeMedia, relayForCallee, callerMedia, 0x22222222);
      assertThat(metric("webphone_media_ports_in_use")).isEqualTo(4.0); // RTP + RTCP per phone leg

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

      waitForMetric("webphone_media_sessions", 0.0);
      waitForMetric("webphone_media_ports_in_use", 0.0);
      byte[] late = rtp(0x11111111, 21);
      callerMedia.send(new DatagramPacket(late, late.length, relayForCaller));
      calleeMedia.setSoTimeout(300);
      assertThat(receivesNothing(calleeMedia)).as("no media relayed after the BYE").isTrue();
    }
  }

  private static boolean receivesNothing(DatagramSocket socket) throws Exception {
    try {
      socket.receive(new DatagramPacket(new byte[2048], 2048));
      return false;
    } catch (SocketTimeoutException expected) {
      return true;
    }
  }

  @Test
  void anOfferTheRelayCannotServeIsAnswered488() throws Exception {
    try (UdpSipPhone caller = new UdpSipPhone(CALLER, PASSWORD, "localhost", sipPort);
         UdpSipPhone callee = new UdpSipPhone(CALLEE, PASSWORD, "localhost", sipPort)) {
      assertThat(callee.register(600).status()).isEqualTo(200);
      // A WebRTC offer with Opus only cannot reach a plain phone.
      String opusOnly = RelayMediaAnchorTest.fixture("chromium-offer.sdp")
          .replace("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "m=audio 9 UDP/TLS/RTP/SAVPF 111");
      SipResponse refused = caller.invite(CALLEE, opusOnly);
      assertThat(refused.status()).isEqualTo(488);
      waitForMetric("webphone_media_sessions", 0.0);
      waitForMetric("webphone_media_ports_in_use", 0.0);
    }
  }
}
