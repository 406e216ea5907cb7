package one.webph.media.relay;

import static one.webph.media.relay.Endpoints.receiverReport;
import static one.webph.media.relay.Endpoints.rtp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.sdp.Direction;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MediaRelayTest {
    static final String IP = "127.0.0.1";
    Vertx vertx;
    MediaRelay relay;
    final BlockingQueue<String> ended = new LinkedBlockingQueue<>();
    final ExecutorService executor = Executors.newCachedThreadPool();
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        relay = newRelay(35000, 35999, Duration.ofSeconds(60));
    }

    MediaRelay newRelay(int min, int max, Duration inactivity) {
        return new MediaRelay(vertx, new RelayConfig().portRange(min, max).bindHost(IP)
                .inactivityTimeout(inactivity).holdInactivityTimeout(inactivity.multipliedBy(10))
                .checkInterval(Duration.ofMillis(100))
                .endListener((callId, reason, last) -> ended.add(callId + ":" + reason)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        await(relay.shutdown());
        await(vertx.close());
        executor.shutdownNow();
    }

    static <T> T await(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    @Test
    void phoneToPhoneRelaysRtpUnchangedAndRtcpOnSeparatePorts() throws Exception {
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        String toB = await(relay.offer("call-1", "tagA", a.sdp("alice"), LegOptions.plain(IP)));
        String toA = await(relay.answer("call-1", "tagA", "tagB", b.sdp("bob"), LegOptions.plain(IP)));
        MediaDescription offerToB = SessionDescription.parse(toB).audio();
        MediaDescription answerToA = SessionDescription.parse(toA).audio();
        assertThat(offerToB.proto()).isEqualTo("RTP/AVP");
        assertThat(offerToB.payloadTypes()).containsExactly(0, 8, 101);
        assertThat(offerToB.rtcpPort()).isEqualTo(offerToB.port() + 1);
        assertThat(offerToB.port() % 2).isZero();
        assertThat(SessionDescription.parse(toB).connectionFor(offerToB).host()).isEqualTo(IP);
        assertThat(answerToA.port()).isNotEqualTo(offerToB.port()).isBetween(35000, 35999);
        assertThat(relay.portsInUse()).isEqualTo(4);

        for (int i = 0; i < 5; i++) {
            byte[] packet = rtp(1000 + i, 160L * i, 0xA11CEL, ("alice " + i).getBytes());
            a.rtp.send(packet, answerToA.port());
            assertThat(b.rtp.awaitMedia()).isEqualTo(packet); // sequence, timestamp, SSRC and payload intact
        }
        byte[] back = rtp(7, 99, 0xB0BL, "bob".getBytes());
        b.rtp.send(back, offerToB.port());
        assertThat(a.rtp.awaitMedia()).isEqualTo(back);

        byte[] report = receiverReport(0xB0BL, 0xA11CEL, 64, 123);
        b.rtcp.send(report, offerToB.rtcpPort());
        assertThat(a.rtcp.awaitMedia()).isEqualTo(report);

        SessionStatistics stats = relay.query("call-1");
        assertThat(stats.mode()).isEqualTo(RelayMode.PLAIN_PLAIN);
        assertThat(stats.toTag()).isEqualTo("tagB");
        assertThat(stats.caller().packetsIn()).isEqualTo(5);
        assertThat(stats.callee().packetsOut()).isEqualTo(5);
        assertThat(stats.callee().packetsIn()).isEqualTo(1);
        assertThat(stats.callee().rtcpPacketsIn()).isEqualTo(1);
        assertThat(stats.callee().jitter()).isEqualTo(123L);
        assertThat(stats.callee().fractionLost()).isEqualTo(64);
        assertThat(stats.caller().peerAddress()).isEqualTo(IP + ":" + a.rtp.port());

        await(relay.delete("call-1"));
        assertThat(relay.query("call-1")).isNull();
        assertThat(relay.portsInUse()).isZero();
        assertThat(ended).isEmpty(); // explicit delete is not reported back
    }

    @Test
    void deleteAndReportEndsTheSessionWithItsFinalFigures() throws Exception {
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        await(relay.offer("call-r", "tagA", a.sdp("alice"), LegOptions.plain(IP)));
        String toA = await(relay.answer("call-r", "tagA", "tagB", b.sdp("bob"), LegOptions.plain(IP)));
        for (int i = 0; i < 3; i++) {
            a.rtp.send(rtp(i, i, 1, "x".getBytes()), SessionDescription.parse(toA).audio().port());
            b.rtp.awaitMedia();
        }
        SessionStatistics last = await(relay.deleteAndReport("call-r"));
        assertThat(last.caller().packetsIn()).isEqualTo(3);
        assertThat(last.callee().packetsOut()).isEqualTo(3);
        assertThat(relay.sessionCount()).isZero();
        assertThat(relay.portsInUse()).isZero();
        assertThat(await(relay.deleteAndReport("call-r"))).isNull();
        assertThat(ended).isEmpty();
    }

    @Test
    void phoneSendingFromAnotherPortIsLatchedSymmetrically() throws Exception {
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        Endpoints.Phone natted = track(new Endpoints.Phone()); // a's real source after NAT
        String toB = await(relay.offer("call-nat", "tagA", a.sdp("alice"), LegOptions.plain(IP)));
        String toA = await(relay.answer("call-nat", "tagA", "tagB", b.sdp("bob"), LegOptions.plain(IP)));
        int relayForA = SessionDescription.parse(toA).audio().port();
        int relayForB = SessionDescription.parse(toB).audio().port();
        natted.rtp.send(rtp(1, 1, 1, "x".getBytes()), relayForA);
        b.rtp.awaitMedia();
        byte[] reply = rtp(2, 2, 2, "y".getBytes());
        b.rtp.send(reply, relayForB);
        assertThat(natted.rtp.awaitMedia()).isEqualTo(reply);
        assertThat(a.rtp.media).isEmpty();
    }

    @Test
    void browserToPhoneTerminatesDtlsSrtpAndTranslatesBothWays() throws Exception {
        Endpoints.Browser browser = track(new Endpoints.Browser(executor));
        Endpoints.Phone phone = track(new Endpoints.Phone());
        String toPhone = await(relay.offer("call-2", "tagWeb", browser.offer("actpass"), LegOptions.plain(IP)));
        SessionDescription offerToPhone = SessionDescription.parse(toPhone);
        MediaDescription phoneAudio = offerToPhone.audio();
        assertThat(phoneAudio.proto()).isEqualTo("RTP/AVP");
        assertThat(phoneAudio.payloadTypes()).containsExactly(9, 0, 8, 126); // opus dropped, DTMF kept
        assertThat(phoneAudio.rtcpPort()).isEqualTo(phoneAudio.port() + 1);
        assertThat(toPhone).doesNotContain("a=fingerprint", "a=ice-", "a=candidate", "a=rtcp-mux", "a=extmap",
                "a=group", "a=ssrc", "a=msid", "opus");

        String phoneAnswer = phone.sdp("phone").replace("RTP/AVP 0 8 101", "RTP/AVP 0 101");
        String toBrowser = await(relay.answer("call-2", "tagWeb", "tagPhone", phoneAnswer, LegOptions.browser(IP)));
        SessionDescription answer = SessionDescription.parse(toBrowser);
        MediaDescription webAudio = answer.audio();
        assertThat(webAudio.proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(answer.isIceLite()).isTrue();
        assertThat(webAudio.setup()).isEqualTo("passive");
        assertThat(answer.fingerprintFor(webAudio)).isEqualTo(relay.fingerprint());
        assertThat(webAudio.rtcpMux()).isTrue();
        assertThat(webAudio.mid()).isEqualTo("0");
        assertThat(webAudio.candidates()).singleElement().satisfies(c -> {
            assertThat(c.address()).isEqualTo(IP);
            assertThat(c.port()).isEqualTo(webAudio.port());
        });
        assertThat(webAudio.iceUfrag()).isNotBlank();
        assertThat(webAudio.icePwd()).hasSizeGreaterThanOrEqualTo(22);

        browser.connectIce(toBrowser);
        browser.handshake(toBrowser, webAudio.port()); // relay is passive: browser is the DTLS client
        waitUntil(() -> relay.query("call-2").caller().srtpReady());

        // browser -> phone: SRTP in, plain RTP out with the same header and payload
        byte[] spoken = rtp(500, 8000, 0x5EB1L, "hello from the web".getBytes());
        browser.send(browser.srtp.protectRtp(spoken, 0, spoken.length), webAudio.port());
        assertThat(phone.rtp.awaitMedia()).isEqualTo(spoken);

        // phone -> browser: plain RTP in, SRTP out
        byte[] fromPhone = rtp(77, 1600, 0xF0E0L, "hello from gsm".getBytes());
        phone.rtp.send(fromPhone, phoneAudio.port());
        byte[] srtp = browser.awaitMedia();
        assertThat(srtp).isNotEqualTo(fromPhone);
        assertThat(browser.srtp.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(fromPhone);

        // RTCP both ways: phone RR -> SRTCP muxed to the browser; browser SRTCP -> RTCP port of the phone
        byte[] phoneReport = receiverReport(0xF0E0L, 0x5EB1L, 10, 44);
        phone.rtcp.send(phoneReport, phoneAudio.rtcpPort());
        byte[] srtcp = browser.awaitMedia();
        assertThat(browser.srtp.unprotectRtcp(srtcp, 0, srtcp.length)).isEqualTo(phoneReport);
        byte[] webReport = receiverReport(0x5EB1L, 0xF0E0L, 3, 17);
        browser.send(browser.srtp.protectRtcp(webReport, 0, webReport.length), webAudio.port());
        assertThat(phone.rtcp.awaitMedia()).isEqualTo(webReport);

        SessionStatistics stats = relay.query("call-2");
        assertThat(stats.mode()).isEqualTo(RelayMode.BROWSER_PLAIN);
        assertThat(stats.caller().jitter()).isEqualTo(17L);
        assertThat(stats.callee().jitter()).isEqualTo(44L);

        // a forged SRTP packet is dropped, not forwarded
        byte[] next = rtp(501, 8160, 0x5EB1L, "hello again".getBytes());
        byte[] forged = browser.srtp.protectRtp(next, 0, next.length);
        forged[forged.length - 1] ^= 1;
        long droppedBefore = relay.query("call-2").caller().dropped();
        browser.send(forged, webAudio.port());
        waitUntil(() -> relay.query("call-2").caller().dropped() > droppedBefore);
        assertThat(phone.rtp.media.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void phoneToBrowserOffersActpassAndActsAsDtlsServerWhenBrowserAnswersActive() throws Exception {
        Endpoints.Phone phone = track(new Endpoints.Phone());
        Endpoints.Browser browser = track(new Endpoints.Browser(executor));
        String toBrowser = await(relay.offer("call-3", "tagPhone", phone.sdp("gsm"), LegOptions.browser(IP)));
        SessionDescription offer = SessionDescription.parse(toBrowser);
        assertThat(offer.audio().setup()).isEqualTo("actpass");
        assertThat(offer.audio().proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(offer.audio().payloadTypes()).containsExactly(0, 8, 101);
        int relayWebPort = offer.audio().port();

        // the browser connects (ICE + ClientHello) before the 200 OK reaches the relay: must still work
        browser.connectIce(toBrowser);
        var keysFuture = executor.submit(() -> browser.handshake(toBrowser, relayWebPort, DtlsRole.CLIENT));
        Thread.sleep(200);
        String toPhone = await(relay.answer("call-3", "tagPhone", "tagWeb", browser.offer("active"),
                LegOptions.plain(IP)));
        keysFuture.get(20, TimeUnit.SECONDS);
        MediaDescription phoneAudio = SessionDescription.parse(toPhone).audio();
        assertThat(phoneAudio.proto()).isEqualTo("RTP/AVP");
        waitUntil(() -> relay.query("call-3").callee().srtpReady());

        byte[] fromPhone = rtp(1, 160, 0x1234L, "gsm audio".getBytes());
        phone.rtp.send(fromPhone, phoneAudio.port());
        byte[] srtp = browser.awaitMedia();
        assertThat(browser.srtp.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(fromPhone);
        byte[] fromWeb = rtp(9, 320, 0x9876L, "web audio".getBytes());
        browser.send(browser.srtp.protectRtp(fromWeb, 0, fromWeb.length), relayWebPort);
        assertThat(phone.rtp.awaitMedia()).isEqualTo(fromWeb);
        assertThat(relay.query("call-3").mode()).isEqualTo(RelayMode.PLAIN_BROWSER);
    }

    @Test
    void browserToBrowserAnswersStunAndPassesDtlsAndSrtpThroughUnchanged() throws Exception {
        Endpoints.Browser caller = track(new Endpoints.Browser(executor));
        Endpoints.Browser callee = track(new Endpoints.Browser(executor));
        String callerOffer = caller.offer("actpass");
        String toCallee = await(relay.offer("call-4", "tagC", callerOffer, LegOptions.browser(IP)));
        SessionDescription offer = SessionDescription.parse(toCallee);
        // the browsers' own DTLS identities are preserved end to end, ICE is the relay's
        assertThat(offer.fingerprintFor(offer.audio())).isEqualTo(caller.certificate.fingerprint());
        assertThat(offer.audio().setup()).isEqualTo("actpass");
        assertThat(offer.audio().iceUfrag()).isNotEqualTo(caller.ufrag);
        assertThat(offer.audio().payloadTypes()).containsExactly(111, 9, 0, 8, 126); // opus kept end to end
        assertThat(offer.audio().ssrcs()).containsExactly(1111L);
        assertThat(offer.isIceLite()).isTrue();

        String calleeAnswer = callee.offer("active");
        String toCaller = await(relay.answer("call-4", "tagC", "tagE", calleeAnswer, LegOptions.browser(IP)));
        SessionDescription answer = SessionDescription.parse(toCaller);
        assertThat(answer.fingerprintFor(answer.audio())).isEqualTo(callee.certificate.fingerprint());
        assertThat(answer.audio().setup()).isEqualTo("active");
        assertThat(answer.audio().iceUfrag()).isNotEqualTo(offer.audio().iceUfrag());

        caller.connectIce(toCaller);
        callee.connectIce(toCallee);
        int callerSide = answer.audio().port();
        int calleeSide = offer.audio().port();

        // Raw DTLS bytes are forwarded as they are.
        byte[] fakeRecord = {22, (byte) 0xfe, (byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
        caller.send(fakeRecord, callerSide);
        assertThat(callee.dtls.poll(Endpoints.WAIT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(fakeRecord);

        // A real end-to-end handshake through the relay: callee (active) is client, caller is server.
        var callerKeys = executor.submit(() -> caller.handshake(toCaller, callerSide, DtlsRole.SERVER));
        var calleeKeys = executor.submit(() -> callee.handshake(toCallee, calleeSide, DtlsRole.CLIENT));
        assertThat(callerKeys.get(20, TimeUnit.SECONDS).localMasterKey())
                .isEqualTo(calleeKeys.get(20, TimeUnit.SECONDS).remoteMasterKey());

        byte[] voice = rtp(3, 960, 0x1111L, "opus frame".getBytes());
        byte[] srtp = caller.srtp.protectRtp(voice, 0, voice.length);
        caller.send(srtp, callerSide);
        byte[] received = callee.awaitMedia();
        assertThat(received).isEqualTo(srtp); // not re-encrypted by the relay
        assertThat(callee.srtp.unprotectRtp(received, 0, received.length)).isEqualTo(voice);
        SessionStatistics stats = relay.query("call-4");
        assertThat(stats.mode()).isEqualTo(RelayMode.BROWSER_BROWSER);
        assertThat(stats.caller().packetsIn()).isEqualTo(1);
        assertThat(stats.callee().packetsOut()).isEqualTo(1);
    }

    @Test
    void browserMediaFromAnUnverifiedAddressIsDropped() throws Exception {
        Endpoints.Browser browser = track(new Endpoints.Browser(executor));
        Endpoints.Phone phone = track(new Endpoints.Phone());
        Endpoints.Phone intruder = track(new Endpoints.Phone());
        await(relay.offer("call-5", "w", browser.offer("actpass"), LegOptions.plain(IP)));
        String toBrowser = await(relay.answer("call-5", "w", "p", phone.sdp("p"), LegOptions.browser(IP)));
        int port = SessionDescription.parse(toBrowser).audio().port();
        intruder.rtp.send(rtp(1, 1, 1, "spoof".getBytes()), port);
        waitUntil(() -> relay.query("call-5").caller().dropped() == 1);
        assertThat(phone.rtp.media.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void earlyMediaReanswerAndHoldReofferKeepPorts() throws Exception {
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        String toB = await(relay.offer("call-6", "tagA", a.sdp("a"), LegOptions.plain(IP)));
        String early = await(relay.answer("call-6", "tagA", "tagB", b.sdp("b"), LegOptions.plain(IP)));   // 183
        String fin = await(relay.answer("call-6", "tagA", "tagB", b.sdp("b"), LegOptions.plain(IP)));     // 200
        int portA = SessionDescription.parse(early).audio().port();
        assertThat(SessionDescription.parse(fin).audio().port()).isEqualTo(portA);
        int portB = SessionDescription.parse(toB).audio().port();
        int inUse = relay.portsInUse();

        // callee puts the call on hold with a re-INVITE (its tag is the From now)
        String holdOffer = b.sdp("b").replace("a=sendrecv", "a=sendonly");
        String holdToA = await(relay.offer("call-6", "tagB", holdOffer, LegOptions.plain(IP)));
        SessionDescription holdSdp = SessionDescription.parse(holdToA);
        assertThat(holdSdp.audio().port()).isEqualTo(portA);
        assertThat(holdSdp.directionOf(holdSdp.audio())).isEqualTo(Direction.SENDONLY);
        String holdAnswer = await(relay.answer("call-6", "tagB", "tagA",
                a.sdp("a").replace("a=sendrecv", "a=recvonly"), LegOptions.plain(IP)));
        assertThat(SessionDescription.parse(holdAnswer).audio().port()).isEqualTo(portB);
        assertThat(relay.portsInUse()).isEqualTo(inUse);
        assertThat(relay.query("call-6").onHold()).isTrue();

        // resume from the caller side
        String resume = await(relay.offer("call-6", "tagA", a.sdp("a"), LegOptions.plain(IP)));
        assertThat(SessionDescription.parse(resume).audio().port()).isEqualTo(portB);
        await(relay.answer("call-6", "tagA", "tagB", b.sdp("b"), LegOptions.plain(IP)));
        assertThat(relay.query("call-6").onHold()).isFalse();
    }

    @Test
    void iceRestartInReofferGivesNewCredentialsOnSamePort() throws Exception {
        Endpoints.Browser browser = track(new Endpoints.Browser(executor));
        Endpoints.Phone phone = track(new Endpoints.Phone());
        await(relay.offer("call-7", "w", browser.offer("actpass"), LegOptions.plain(IP)));
        String first = await(relay.answer("call-7", "w", "p", phone.sdp("p"), LegOptions.browser(IP)));
        String restartOffer = browser.offer("actpass").replace(browser.ufrag, "newUfrag");
        await(relay.offer("call-7", "w", restartOffer, LegOptions.plain(IP)));
        String second = await(relay.answer("call-7", "w", "p", phone.sdp("p"), LegOptions.browser(IP)));
        MediaDescription before = SessionDescription.parse(first).audio();
        MediaDescription after = SessionDescription.parse(second).audio();
        assertThat(after.port()).isEqualTo(before.port());
        assertThat(after.iceUfrag()).isNotEqualTo(before.iceUfrag());
        assertThat(after.icePwd()).isNotEqualTo(before.icePwd());
    }

    @Test
    void badInputIsRejectedWithClearErrorsAndLeavesNothingBehind() throws Exception {
        assertThatThrownBy(() -> await(relay.offer("c", "t", "not sdp", LegOptions.plain(IP))))
                .hasMessageContaining("line 1");
        String videoOnly = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
                + "m=video 4000 RTP/AVP 96\r\n";
        assertThatThrownBy(() -> await(relay.offer("c", "t", videoOnly, LegOptions.plain(IP))))
                .hasMessageContaining("audio");
        Endpoints.Browser browser = track(new Endpoints.Browser(executor));
        String opusOnly = browser.offer("actpass").replace("111 9 0 8 126", "111 126");
        assertThatThrownBy(() -> await(relay.offer("c2", "t", opusOnly, LegOptions.plain(IP))))
                .hasMessageContaining("PCMU");
        assertThatThrownBy(() -> await(relay.answer("nope", "t", "u", "v=0", LegOptions.plain(IP))))
                .hasMessageContaining("no media session");
        assertThat(relay.sessionCount()).isZero();
        assertThat(relay.portsInUse()).isZero();
    }

    @Test
    void manySessionsCreatedAndDeletedLeakNoPorts() throws Exception {
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        Endpoints.Browser web = track(new Endpoints.Browser(executor));
        for (int round = 0; round < 3; round++) {
            List<Future<String>> offers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String sdp = i % 2 == 0 ? a.sdp("a") : web.offer("actpass");
                offers.add(relay.offer("leak-" + round + "-" + i, "f", sdp, LegOptions.plain(IP)));
            }
            for (Future<String> f : offers) {
                await(f);
            }
            for (int i = 0; i < 40; i += 3) {
                await(relay.answer("leak-" + round + "-" + i, "f", "t", b.sdp("b"), LegOptions.sameAsSdp(IP)));
            }
            assertThat(relay.sessionCount()).isEqualTo(40);
            assertThat(relay.portsInUse()).isEqualTo(20 * 4 + 20 * 3);
            List<Future<Void>> deletes = new ArrayList<>();
            for (String id : relay.callIds()) {
                deletes.add(relay.delete(id));
            }
            for (Future<Void> f : deletes) {
                await(f);
            }
            assertThat(relay.sessionCount()).isZero();
            assertThat(relay.portsInUse()).isZero();
        }
    }

    @Test
    void inactiveSessionsEndByThemselvesAndReturnTheirPorts() throws Exception {
        await(relay.shutdown());
        relay = newRelay(36000, 36099, Duration.ofMillis(400));
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        for (int i = 0; i < 10; i++) {
            await(relay.offer("idle-" + i, "f", a.sdp("a"), LegOptions.plain(IP)));
        }
        String toA = await(relay.answer("idle-0", "f", "t", b.sdp("b"), LegOptions.plain(IP)));
        int port = SessionDescription.parse(toA).audio().port();
        List<String> endedCalls = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // keep idle-0 alive with media while the others time out
        while (endedCalls.size() < 9 && System.nanoTime() < deadline) {
            a.rtp.send(rtp(1, 1, 1, "keepalive".getBytes()), port);
            String e = ended.poll(100, TimeUnit.MILLISECONDS);
            if (e != null) {
                endedCalls.add(e);
            }
        }
        assertThat(endedCalls).hasSize(9).allMatch(e -> e.endsWith(":INACTIVITY")).noneMatch(e -> e.startsWith("idle-0:"));
        assertThat(relay.callIds()).containsExactly("idle-0");
        waitUntil(() -> relay.portsInUse() == 4);
        String last = ended.poll(5, TimeUnit.SECONDS); // stop the media: idle-0 ends too
        assertThat(last).isEqualTo("idle-0:INACTIVITY");
        waitUntil(() -> relay.portsInUse() == 0);
    }

    @Test
    void portTakenByAnotherProcessIsSkipped() throws Exception {
        await(relay.shutdown());
        relay = newRelay(37000, 37007, Duration.ofSeconds(60));
        try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress(IP, 37000))) {
            Endpoints.Phone a = track(new Endpoints.Phone());
            String toB = await(relay.offer("sq", "f", a.sdp("a"), LegOptions.plain(IP)));
            // caller leg got 37002 (37000 busy), callee leg the next pair
            assertThat(SessionDescription.parse(toB).audio().port()).isNotEqualTo(37000);
            assertThat(relay.portsInUse()).isEqualTo(4);
            assertThat(squatter.isBound()).isTrue();
            // the range has 8 ports, one busy: a second call cannot get two pairs and fails cleanly
            assertThatThrownBy(() -> await(relay.offer("sq2", "f", a.sdp("a"), LegOptions.plain(IP))))
                    .hasMessageContaining("no free media port");
            assertThat(relay.portsInUse()).isEqualTo(4);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void waitUntil(Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
