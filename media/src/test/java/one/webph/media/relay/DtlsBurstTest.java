package one.webph.media.relay;

import static one.webph.media.relay.Endpoints.rtp;
import static one.webph.media.relay.MediaRelayTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.media.dtls.DtlsCertificate;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.sdp.SessionDescription;
import one.webph.media.srtp.SrtpKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many browser legs doing their DTLS handshake at the same moment (a burst of call setups), and a browser that
 * stops half-way through its handshake: every handshake must either finish or fail within its timeout, never
 * starve the others of threads.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DtlsBurstTest {
    static final String IP = "127.0.0.1";
    Vertx vertx;
    MediaRelay relay;
    final BlockingQueue<String> ended = new LinkedBlockingQueue<>();
    final ExecutorService executor = Executors.newCachedThreadPool();
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (relay != null) {
            await(relay.shutdown());
        }
        await(vertx.close());
        executor.shutdownNow();
    }

    MediaRelay newRelay(int minPort, int dtlsThreads, Duration handshakeTimeout) {
        return new MediaRelay(vertx, new RelayConfig().portRange(minPort, minPort + 999).bindHost(IP)
                .dtlsThreads(dtlsThreads).dtlsHandshakeTimeout(handshakeTimeout)
                .checkInterval(Duration.ofMillis(100))
                .endListener((callId, reason, last) -> ended.add(callId + ":" + reason)));
    }

    /** A browser calling a phone through the relay, answered: the relay is the DTLS server on the browser leg. */
    record Call(String id, Endpoints.Browser browser, Endpoints.Phone phone, String toBrowser, int browserPort,
                int phonePort) {
    }

    Call answeredCall(String id) throws Exception {
        Endpoints.Browser browser = new Endpoints.Browser(executor);
        Endpoints.Phone phone = new Endpoints.Phone();
        closeables.add(browser);
        closeables.add(phone);
        String toPhone = await(relay.offer(id, "web", browser.offer("actpass"), LegOptions.plain(IP)));
        String toBrowser = await(relay.answer(id, "web", "phone", phone.sdp("phone"), LegOptions.browser(IP)));
        return new Call(id, browser, phone, toBrowser, SessionDescription.parse(toBrowser).audio().port(),
                SessionDescription.parse(toPhone).audio().port());
    }

    /** Sets up {@code calls} answered calls, then runs every browser's ICE check and DTLS handshake at once. */
    void burst(int calls) throws Exception {
        List<Call> all = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            all.add(answeredCall("burst-" + i));
        }
        List<Future<SrtpKeys>> handshakes = new ArrayList<>();
        for (Call call : all) {
            handshakes.add(executor.submit(() -> {
                call.browser().connectIce(call.toBrowser());
                return call.browser().handshake(call.toBrowser(), call.browserPort());
            }));
        }
        for (int i = 0; i < calls; i++) {
            Call call = all.get(i);
            SrtpKeys keys = handshakes.get(i).get(60, TimeUnit.SECONDS);
            assertThat(keys.localMasterKey()).as("browser keys of %s", call.id()).hasSize(16);
            MediaRelayTest.waitUntil(() -> relay.query(call.id()).caller().srtpReady());
            // the relay holds the same keys: SRTP from the browser comes out as the original RTP at the phone
            byte[] spoken = rtp(i, 160L * i, 0x1000 + i, ("call " + i).getBytes());
            call.browser().send(call.browser().srtp.protectRtp(spoken, 0, spoken.length), call.browserPort());
            assertThat(call.phone().rtp.awaitMedia()).as("media of %s", call.id()).isEqualTo(spoken);
        }
        assertThat(ended).as("no call ended (DTLS failures end calls)").isEmpty();
    }

    @Test
    void fortyBrowsersHandshakingAtOnceAllGetSrtpKeys() throws Exception {
        relay = newRelay(38000, 64, Duration.ofSeconds(30));
        burst(40);
    }

    @Test
    void moreHandshakesThanTheCapWaitForAThreadAndStillComplete() throws Exception {
        relay = newRelay(39000, 4, Duration.ofSeconds(30)); // logs that the cap was hit
        burst(16);
    }

    @Test
    void answeredCallsWhoseBrowsersNeverSpeakHoldNoHandshakeThread() throws Exception {
        relay = newRelay(41000, 1, Duration.ofSeconds(20)); // one thread, and a long timeout
        for (int i = 0; i < 3; i++) {
            answeredCall("mute-" + i); // answered, but these browsers never send a ClientHello
        }
        Call call = answeredCall("talking");
        call.browser().connectIce(call.toBrowser());
        // within the client's wait (20 s), far less than the relay's timeout a waiting thread would sit out
        assertThat(call.browser().handshake(call.toBrowser(), call.browserPort()).localMasterKey()).hasSize(16);
        MediaRelayTest.waitUntil(() -> relay.query("talking").caller().srtpReady());
        assertThat(ended).isEmpty();
    }

    @Test
    void aBrowserSilentAfterItsClientHelloFailsByTheTimeoutAndEndsOnlyItsCall() throws Exception {
        relay = newRelay(40000, 1, Duration.ofSeconds(1)); // one thread: a stuck handshake would block the next
        Call silent = answeredCall("silent");
        silent.browser().connectIce(silent.toBrowser());
        // a DTLS client that sends its ClientHello and then disappears
        SessionDescription relaySdp = SessionDescription.parse(silent.toBrowser());
        DtlsSrtpEndpoint quitter = new DtlsSrtpEndpoint(DtlsRole.CLIENT, DtlsCertificate.generate(),
                relaySdp.fingerprintFor(relaySdp.audio()), executor, bytes -> {
                    try {
                        silent.browser().send(bytes, silent.browserPort());
                    } catch (java.io.IOException e) {
                        // socket closed
                    }
                });
        quitter.start();
        MediaRelayTest.waitUntil(() -> silent.browser().dtls.poll() != null); // the relay answered: its thread runs
        quitter.close();

        assertThat(ended.poll(15, TimeUnit.SECONDS)).isEqualTo("silent:DTLS_FAILED");
        // the single handshake thread is free again: the next call's handshake completes
        Call next = answeredCall("next");
        next.browser().connectIce(next.toBrowser());
        assertThat(next.browser().handshake(next.toBrowser(), next.browserPort()).localMasterKey()).hasSize(16);
        MediaRelayTest.waitUntil(() -> relay.query("next").caller().srtpReady());
    }
}
