package one.webph.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import one.webph.media.relay.MediaRelay;
import one.webph.media.relay.RelayConfig;
import one.webph.media.relay.SessionStatistics;
import one.webph.media.sdp.Candidate;
import one.webph.media.sdp.Direction;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import one.webph.server.sip.MediaAnchor.Leg;
import one.webph.server.sip.MediaAnchor.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RelayMediaAnchor} over the real in-process {@link MediaRelay} on loopback: SDP rewriting for browser to
 * phone and browser to browser calls, forking, rejection as 488, callee re-INVITEs, release and the inactivity
 * end of an answered call, with the relay's port count checked for leaks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayMediaAnchorTest {
  private static final String ADDRESS = "127.0.0.1";
  private static final int MIN_PORT = 44000;
  private static final int MAX_PORT = 44199;
  private Vertx vertx;
  private MediaRelay relay;
  private RelayMediaAnchor anchor;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    relay = new MediaRelay(vertx, new RelayConfig().portRange(MIN_PORT, MAX_PORT).bindHost(ADDRESS)
        .inactivityTimeout(Duration.ofSeconds(1)).holdInactivityTimeout(Duration.ofSeconds(30))
        .checkInterval(Duration.ofMillis(200))
        .endListener((callId, reason, last) -> anchor.relayEnded(callId, reason, last)));
    anchor = new RelayMediaAnchor(vertx, relay, ADDRESS, Duration.ofSeconds(5), Duration.ofMillis(200));
  }

  @AfterEach
  void stop() throws Exception {
    anchor.stop();
    relay.shutdown().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static String fixture(String name) throws IOException {
    try (InputStream in = RelayMediaAnchorTest.class.getResourceAsStream("/media/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String phoneSdp(int port, String direction) {
    return "v=0\r\no=phone 1 " + System.nanoTime() + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=" + direction + "\r\n";
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  private static SessionDescription sdp(byte[] bytes) {
    return SessionDescription.parse(new String(bytes, StandardCharsets.UTF_8));
  }

  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void browserOfferToPhoneBecomesPlainRtpAndThePhoneAnswerBecomesWebRtc() throws Exception {
    Leg toPhone = new Leg("call-bp", "caller-tag", "b1", Peer.BROWSER, Peer.PHONE);
    SessionDescription offer = sdp(await(anchor.offer(toPhone, utf8(fixture("chromium-offer.sdp")))));

    MediaDescription audio = offer.audio();
    assertThat(audio.proto()).isEqualTo("RTP/AVP");
    assertThat(offer.connectionFor(audio).host()).isEqualTo(ADDRESS);
    assertThat(offer.origin().toString()).contains(ADDRESS);
    assertThat(audio.port()).isBetween(MIN_PORT, MAX_PORT);
    assertThat(audio.payloadTypes()).contains(0, 8, 126).doesNotContain(111, 63, 110);
    assertThat(audio.rtpmap(126).encodingName()).isEqualToIgnoringCase("telephone-event");
    assertThat(audio.rtpmaps()).noneMatch(m -> m.is("opus"));
    assertThat(audio.candidates()).isEmpty();
    assertThat(offer.attributeFor(audio, "ice-ufrag")).isNull();
    assertThat(offer.attributeFor(audio, "fingerprint")).isNull();
    assertThat(offer.isIceLite()).isFalse();

    Leg back = new Leg("call-bp", "caller-tag", "b1", Peer.PHONE, Peer.BROWSER);
    SessionDescription answer = sdp(await(anchor.answer(back, utf8(phoneSdp(40010, "sendrecv")))));
    MediaDescription a = answer.audio();
    assertThat(a.proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
    assertThat(answer.isIceLite()).isTrue();
    assertThat(a.iceUfrag()).isNotBlank().isNotEqualTo("Fb7x");
    assertThat(a.icePwd()).isNotBlank().isNotEqualTo("q2mP0cR8sJwZk4YtLh1nVb9X");
    List<Candidate> candidates = a.candidates();
    assertThat(candidates).hasSize(1);
    assertThat(candidates.get(0).type()).isEqualTo("host");
    assertThat(candidates.get(0).address()).isEqualTo(ADDRESS);
    assertThat(candidates.get(0).port()).isEqualTo(a.port()).isBetween(MIN_PORT, MAX_PORT);
    assertThat(answer.fingerprintFor(a).matches(relay.fingerprint())).isTrue();
    assertThat(a.setup()).isIn("active", "passive");
    assertThat(a.rtcpMux()).isTrue();
    // the app offers with bundlePolicy max-bundle: Chromium refuses an answer without the group
    assertThat(answer.toString()).contains("a=group:BUNDLE " + sdp(utf8(fixture("chromium-offer.sdp")))
        .attributeFor(sdp(utf8(fixture("chromium-offer.sdp"))).audio(), "mid"));
    assertThat(anchor.statistics("call-bp").await(5, TimeUnit.SECONDS)).isNotNull();

    assertThat(relay.portsInUse()).isEqualTo(3); // browser leg (rtcp-mux) + phone RTP/RTCP pair
    anchor.release("call-bp");
    waitUntil(() -> relay.portsInUse() == 0, "the relay freed every port");
    assertThat(anchor.callCount()).isZero();
    // the final figures stay for the call record
    assertThat(anchor.statistics("call-bp").await(5, TimeUnit.SECONDS).callId()).isEqualTo("call-bp");
  }

  @Test
  void browserToBrowserKeepsTheBrowsersFingerprints() throws Exception {
    String callerSdp = fixture("chromium-offer.sdp");
    String calleeSdp = fixture("jssip-offer.sdp").replace("a=setup:actpass", "a=setup:active");
    Leg toBrowser = new Leg("call-bb", "caller-tag", "b1", Peer.BROWSER, Peer.BROWSER);
    SessionDescription offer = sdp(await(anchor.offer(toBrowser, utf8(callerSdp))));
    assertThat(offer.fingerprintFor(offer.audio()))
        .isEqualTo(SessionDescription.parse(callerSdp).fingerprintFor(SessionDescription.parse(callerSdp).audio()));
    assertThat(offer.isIceLite()).isTrue();
    assertThat(offer.audio().candidates()).singleElement().satisfies(c -> assertThat(c.address()).isEqualTo(ADDRESS));

    SessionDescription answer = sdp(await(anchor.answer(toBrowser, utf8(calleeSdp))));
    SessionDescription original = SessionDescription.parse(calleeSdp);
    assertThat(answer.fingerprintFor(answer.audio())).isEqualTo(original.fingerprintFor(original.audio()));
    assertThat(answer.fingerprintFor(answer.audio()).matches(relay.fingerprint())).isFalse();
    assertThat(answer.audio().setup()).isEqualTo("active");
    assertThat(answer.audio().candidates()).singleElement()
        .satisfies(c -> assertThat(c.port()).isBetween(MIN_PORT, MAX_PORT));

    anchor.release("call-bb");
    waitUntil(() -> relay.portsInUse() == 0, "the relay freed every port");
  }

  @Test
  void forkedBranchesShareTheOfferAndAForkOfAnotherKindGetsItsOwnSession() throws Exception {
    byte[] callerSdp = utf8(phoneSdp(40020, "sendrecv"));
    Future<byte[]> first = anchor.offer(new Leg("call-fork", "t1", "b1", Peer.PHONE, Peer.PHONE), callerSdp);
    Future<byte[]> second = anchor.offer(new Leg("call-fork", "t1", "b2", Peer.PHONE, Peer.PHONE), callerSdp);
    assertThat(new String(await(second), StandardCharsets.UTF_8))
        .isEqualTo(new String(await(first), StandardCharsets.UTF_8));
    assertThat(relay.sessionCount()).isEqualTo(1);

    byte[] toBrowser = await(anchor.offer(new Leg("call-fork", "t1", "b3", Peer.PHONE, Peer.BROWSER), callerSdp));
    assertThat(sdp(toBrowser).audio().proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
    assertThat(relay.sessionCount()).isEqualTo(2);
    assertThat(anchor.sessionCount()).isEqualTo(2);

    // The second phone branch answers: its session carries the call.
    SessionDescription answer = sdp(await(anchor.answer(new Leg("call-fork", "t1", "b2", Peer.PHONE, Peer.PHONE),
        utf8(phoneSdp(40030, "sendrecv")))));
    assertThat(answer.audio().port()).isBetween(MIN_PORT, MAX_PORT);
    assertThat(relay.query("call-fork").toTag()).isEqualTo(RelayMediaAnchor.CALLEE_TAG);

    anchor.release("call-fork");
    waitUntil(() -> relay.portsInUse() == 0 && relay.sessionCount() == 0, "every fork's session ended");
    assertThat(anchor.sessionCount()).isZero();
  }

  @Test
  void anOfferWithoutACodecForThePhoneFailsWith488AndLeaksNothing() throws Exception {
    String opusOnly = fixture("chromium-offer.sdp")
        .replace("m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "m=audio 9 UDP/TLS/RTP/SAVPF 111");
    Future<byte[]> refused = anchor.offer(new Leg("call-488", "t", "b1", Peer.BROWSER, Peer.PHONE), utf8(opusOnly));
    CompletableFuture<byte[]> done = refused.toCompletionStage().toCompletableFuture();
    assertThatThrownBy(() -> done.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(MediaAnchorException.class, e -> {
          assertThat(e.sipStatus()).isEqualTo(488);
          assertThat(e.getMessage()).contains("PCMU");
        });
    waitUntil(() -> relay.portsInUse() == 0 && relay.sessionCount() == 0, "the rejected session was freed");
    assertThat(anchor.callCount()).isZero();

    Future<byte[]> garbage = anchor.offer(new Leg("call-bad", "t", "b1", Peer.PHONE, Peer.PHONE),
        utf8("this is not SDP"));
    assertThatThrownBy(() -> garbage.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(MediaAnchorException.class, e -> assertThat(e.sipStatus()).isEqualTo(488));
    Future<byte[]> orphanAnswer = anchor.answer(new Leg("call-none", "t", "b1", Peer.PHONE, Peer.PHONE),
        utf8(phoneSdp(40040, "sendrecv")));
    assertThat(orphanAnswer.failed()).isTrue();
    assertThat(relay.portsInUse()).isZero();
  }

  @Test
  void aReInviteFromTheCalleeIsOfferedToTheCallerOnTheCallersPorts() throws Exception {
    Leg initial = new Leg("call-re", "caller", "b1", Peer.PHONE, Peer.PHONE);
    SessionDescription toCallee = sdp(await(anchor.offer(initial, utf8(phoneSdp(40050, "sendrecv")))));
    SessionDescription toCaller = sdp(await(anchor.answer(initial, utf8(phoneSdp(40060, "sendrecv")))));
    int callerFacingPort = toCaller.audio().port();
    assertThat(callerFacingPort).isNotEqualTo(toCallee.audio().port());

    // The callee puts the call on hold: re-INVITE whose From tag is the callee's.
    Leg hold = new Leg("call-re", "callee-real-tag", "b2", Peer.PHONE, Peer.PHONE);
    SessionDescription holdOffer = sdp(await(anchor.offer(hold, utf8(phoneSdp(40060, "sendonly")))));
    assertThat(holdOffer.audio().port()).isEqualTo(callerFacingPort);
    assertThat(holdOffer.directionOf(holdOffer.audio())).isEqualTo(Direction.SENDONLY);
    SessionDescription holdAnswer = sdp(await(anchor.answer(hold, utf8(phoneSdp(40050, "recvonly")))));
    assertThat(holdAnswer.audio().port()).isEqualTo(toCallee.audio().port());
    assertThat(relay.query("call-re").onHold()).isTrue();
    assertThat(relay.portsInUse()).isEqualTo(4); // no reallocation
    anchor.release("call-re");
    waitUntil(() -> relay.portsInUse() == 0, "ports freed");
  }

  @Test
  void anAnsweredCallWithoutMediaEndsAndTheProxyIsTold() throws Exception {
    CompletableFuture<String> ended = new CompletableFuture<>();
    anchor.onMediaEnded(ended::complete);
    Leg leg = new Leg("call-silent", "caller", "b1", Peer.PHONE, Peer.PHONE);
    await(anchor.offer(leg, utf8(phoneSdp(40070, "sendrecv"))));
    // Ringing is not silence: the relay leaves an unanswered call alone longer than the 1 s media timeout.
    Thread.sleep(1800);
    assertThat(ended).isNotDone();
    assertThat(relay.sessionCount()).isEqualTo(1);
    await(anchor.answer(leg, utf8(phoneSdp(40080, "sendrecv"))));
    // the clock restarted at the answer: the call is not killed at once for the ringing time
    Thread.sleep(500);
    assertThat(ended).isNotDone();
    assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo("call-silent");
    waitUntil(() -> relay.portsInUse() == 0 && relay.sessionCount() == 0, "the silent call's media was deleted");
    assertThat(anchor.callCount()).isZero();
    anchor.release("call-silent"); // the proxy's BYE afterwards is harmless
  }

  @Test
  void aReInviteRestartsTheInactivityClock() throws Exception {
    CompletableFuture<String> ended = new CompletableFuture<>();
    anchor.onMediaEnded(ended::complete);
    Leg leg = new Leg("call-reoffer", "caller", "b1", Peer.PHONE, Peer.PHONE);
    await(anchor.offer(leg, utf8(phoneSdp(40090, "sendrecv"))));
    await(anchor.answer(leg, utf8(phoneSdp(40100, "sendrecv"))));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
    int round = 0;
    while (System.nanoTime() < deadline) { // signalling only, every 600 ms: longer in total than the timeout
      Thread.sleep(600);
      Leg again = new Leg("call-reoffer", "caller", "re" + round++, Peer.PHONE, Peer.PHONE);
      await(anchor.offer(again, utf8(phoneSdp(40090, "sendrecv"))));
      await(anchor.answer(again, utf8(phoneSdp(40100, "sendrecv"))));
      assertThat(ended).as("ended after re-offer %d", round).isNotDone();
    }
    assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo("call-reoffer"); // then silence ends it
  }

  @Test
  void aSessionTheRelayDroppedSilentlyIsNoticedByPolling() throws Exception {
    // an NG relay cannot report its own timeouts: the anchor asks and finds the session gone
    CompletableFuture<String> ended = new CompletableFuture<>();
    anchor.onMediaEnded(ended::complete);
    anchor.start();
    Leg leg = new Leg("call-vanished", "caller", "b1", Peer.PHONE, Peer.PHONE);
    await(anchor.offer(leg, utf8(phoneSdp(40110, "sendrecv"))));
    await(anchor.answer(leg, utf8(phoneSdp(40120, "sendrecv"))));
    await(relay.delete("call-vanished")); // an explicit delete: the relay's end listener is not told
    assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo("call-vanished");
    assertThat(anchor.callCount()).isZero();
  }

  /** Sends {@code count} RTP packets from a loopback socket to the relay port in {@code relaySdp}. */
  private static void sendRtp(byte[] relaySdp, int count) throws IOException {
    int relayPort = sdp(relaySdp).audio().port();
    try (DatagramSocket phone = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      for (int i = 0; i < count; i++) {
        byte[] rtp = new byte[12 + 160];
        rtp[0] = (byte) 0x80;
        rtp[3] = (byte) i; // sequence number
        phone.send(new DatagramPacket(rtp, rtp.length, InetAddress.getLoopbackAddress(), relayPort));
      }
    }
  }

  @Test
  void aCallTheRelayEndedKeepsItsFinalStatistics() throws Exception {
    CompletableFuture<String> ended = new CompletableFuture<>();
    anchor.onMediaEnded(ended::complete);
    Leg leg = new Leg("call-stats-silent", "caller", "b1", Peer.PHONE, Peer.PHONE);
    await(anchor.offer(leg, utf8(phoneSdp(40130, "sendrecv"))));
    byte[] toCaller = await(anchor.answer(leg, utf8(phoneSdp(40140, "sendrecv"))));
    sendRtp(toCaller, 3); // the caller's phone speaks, then goes silent
    waitUntil(() -> relay.query("call-stats-silent").caller().packetsIn() == 3, "packets counted");
    assertThat(ended.get(10, TimeUnit.SECONDS)).isEqualTo("call-stats-silent");
    waitUntil(() -> relay.sessionCount() == 0, "the relay forgot the session");

    SessionStatistics stats = await(anchor.statistics("call-stats-silent"));
    assertThat(stats).as("statistics after the relay ended the call").isNotNull();
    assertThat(stats.callId()).isEqualTo("call-stats-silent");
    assertThat(stats.caller().packetsIn()).isEqualTo(3);
    assertThat(stats.callee().packetsOut()).isEqualTo(3);
    assertThat(anchor.endedCallCount()).isEqualTo(1);
  }

  @Test
  void aReleasedCallKeepsItsFinalStatisticsAndUnknownCallsHaveNone() throws Exception {
    Leg leg = new Leg("call-stats-bye", "caller", "b1", Peer.PHONE, Peer.PHONE);
    await(anchor.offer(leg, utf8(phoneSdp(40150, "sendrecv"))));
    byte[] toCaller = await(anchor.answer(leg, utf8(phoneSdp(40160, "sendrecv"))));
    sendRtp(toCaller, 5);
    waitUntil(() -> relay.query("call-stats-bye").caller().packetsIn() == 5, "packets counted");

    anchor.release("call-stats-bye"); // BYE
    waitUntil(() -> relay.sessionCount() == 0 && relay.portsInUse() == 0, "the session was deleted");
    SessionStatistics stats = await(anchor.statistics("call-stats-bye"));
    assertThat(stats).as("statistics after release").isNotNull();
    assertThat(stats.caller().packetsIn()).isEqualTo(5);
    assertThat(await(anchor.statistics("call-never-seen"))).isNull();
  }

  @Test
  void anAnswerForABrowserWithoutBundleGroupGetsOneAndOtherSdpIsLeftAlone() {
    String webrtc = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nt=0 0\r\n"
        + "m=audio 40000 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 192.0.2.9\r\na=mid:0\r\na=ice-ufrag:abcd\r\n";
    String fixed = RelayMediaAnchor.withBundleGroup(webrtc);
    assertThat(fixed).contains("t=0 0\r\na=group:BUNDLE 0\r\nm=audio");
    assertThat(RelayMediaAnchor.withBundleGroup(fixed)).as("already grouped: unchanged").isEqualTo(fixed);
    String plain = webrtc.replace("a=ice-ufrag:abcd\r\n", "");
    assertThat(RelayMediaAnchor.withBundleGroup(plain)).as("no ICE: not WebRTC").isEqualTo(plain);
  }
}
