package one.webph.media.relay;

import static one.webph.media.relay.Endpoints.rtp;
import static one.webph.media.relay.MediaRelayTest.IP;
import static one.webph.media.relay.MediaRelayTest.await;
import static one.webph.media.relay.MediaRelayTest.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.media.sdp.SessionDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sockets of ended calls kept open for later calls (SocketPool): reused ports start with nothing latched, a port
 * that got a late packet waits out its quarantine again, the pool stays within the port range, and a setup that
 * fails gives back what it took. One event loop, so every call shares one pool.
 */
class SocketReuseTest {
    Vertx vertx;
    MediaRelay relay;
    final AtomicLong clock = new AtomicLong(1_000_000);
    final ExecutorService executor = Executors.newCachedThreadPool();
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
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

    MediaRelay relay(int min, int max, Duration quarantine, boolean manualClock) {
        RelayConfig config = new RelayConfig().portRange(min, max).bindHost(IP).checkInterval(Duration.ofMillis(100))
                .portQuarantine(quarantine);
        if (manualClock) {
            config.clock(clock::get);
        }
        relay = new MediaRelay(vertx, config);
        return relay;
    }

    <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    /** A plain call between two phones; returns {relay port facing the caller, relay port facing the callee}. */
    int[] call(String callId, Endpoints.Phone caller, Endpoints.Phone callee) throws Exception {
        String toCallee = await(relay.offer(callId, "from-" + callId, caller.sdp("a"), LegOptions.plain(IP)));
        String toCaller = await(relay.answer(callId, "from-" + callId, "to-" + callId, callee.sdp("b"),
                LegOptions.plain(IP)));
        return new int[] {SessionDescription.parse(toCaller).audio().port(),
                SessionDescription.parse(toCallee).audio().port()};
    }

    @Test
    void anEndedCallsPortsServeTheNextCallWithNothingLatched() throws Exception {
        relay(38000, 38099, Duration.ZERO, false);
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        int[] first = call("first", a, b);
        a.rtp.send(rtp(1, 1, 1, "a".getBytes()), first[0]);
        b.rtp.awaitMedia();
        b.rtp.send(rtp(1, 1, 2, "b".getBytes()), first[1]);
        a.rtp.awaitMedia(); // both legs latched to a and b
        await(relay.delete("first"));
        assertThat(relay.portsInUse()).isZero();
        assertThat(relay.portsIdle()).isEqualTo(4);

        Endpoints.Phone c = track(new Endpoints.Phone());
        Endpoints.Phone d = track(new Endpoints.Phone());
        int[] second = call("second", c, d);
        assertThat(Set.of(second[0], second[1])).as("the same sockets").isEqualTo(Set.of(first[0], first[1]));
        assertThat(relay.portsIdle()).isZero();
        // d answers first: its media must go to c (from c's SDP), not to a, latched by the previous call
        byte[] fromD = rtp(7, 7, 7, "to c".getBytes());
        d.rtp.send(fromD, second[1]);
        assertThat(c.rtp.awaitMedia()).isEqualTo(fromD);
        byte[] fromC = rtp(8, 8, 8, "to d".getBytes());
        c.rtp.send(fromC, second[0]);
        assertThat(d.rtp.awaitMedia()).isEqualTo(fromC);
        assertThat(a.rtp.media.poll(200, TimeUnit.MILLISECONDS)).isNull();
        SessionStatistics stats = relay.query("second");
        assertThat(stats.caller().packetsIn()).isEqualTo(1);
        assertThat(stats.callee().packetsIn()).isEqualTo(1);
    }

    @Test
    void aPortThatGetsLatePacketsIsNotReusedUntilQuietForTheQuarantine() throws Exception {
        relay(38100, 38119, Duration.ofSeconds(10), true);
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        int[] first = call("first", a, b);
        await(relay.delete("first"));

        clock.addAndGet(9_000);
        a.rtp.send(rtp(1, 1, 1, "late".getBytes()), first[0]); // a never got the BYE
        waitUntil(() -> relay.packetsDroppedWhileIdle() == 1);
        clock.addAndGet(2_000); // 11 s after the end, 2 s after the late packet

        Endpoints.Phone c = track(new Endpoints.Phone());
        Endpoints.Phone d = track(new Endpoints.Phone());
        int[] second = call("second", c, d);
        assertThat(second).doesNotContain(first[0]).contains(first[1]); // the quiet port is reused, the noisy not
        a.rtp.send(rtp(2, 2, 1, "late again".getBytes()), first[0]);
        waitUntil(() -> relay.packetsDroppedWhileIdle() == 2);
        assertThat(c.rtp.media.poll(200, TimeUnit.MILLISECONDS)).isNull();
        assertThat(d.rtp.media.poll(10, TimeUnit.MILLISECONDS)).isNull();

        clock.addAndGet(12_000); // a has been silent for 12 s
        Endpoints.Phone e = track(new Endpoints.Phone());
        Endpoints.Phone f = track(new Endpoints.Phone());
        int[] third = call("third", e, f);
        assertThat(third[0]).isEqualTo(first[0]);
        byte[] fromE = rtp(3, 3, 3, "e".getBytes());
        e.rtp.send(fromE, third[0]);
        assertThat(f.rtp.awaitMedia()).isEqualTo(fromE);
    }

    @Test
    void thePoolStaysWithinTheRangeAndReusesQuarantinedPortsOnlyWhenNothingElseIsLeft() throws Exception {
        relay(38200, 38215, Duration.ofHours(1), false); // 16 ports: 4 plain calls
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        int[] c1 = call("c1", a, b);
        call("c2", a, b);
        await(relay.delete("c1"));
        assertThat(relay.portsIdle()).isEqualTo(4);
        int[] c3 = call("c3", a, b);
        int[] c4 = call("c4", a, b);
        assertThat(c3).doesNotContain(c1[0], c1[1]); // fresh ports first: c1's are in quarantine
        assertThat(c4).doesNotContain(c1[0], c1[1]);
        assertThat(relay.portsInUse() + relay.portsIdle()).isEqualTo(16);

        int[] c5 = call("c5", a, b); // no number left: the quarantined sockets are the only ones
        assertThat(Set.of(c5[0], c5[1])).isEqualTo(Set.of(c1[0], c1[1]));
        assertThat(relay.portsInUse()).isEqualTo(16);
        assertThatThrownBy(() -> call("c6", a, b)).hasMessageContaining("no free media port");
        assertThat(relay.portsInUse()).isEqualTo(16);
        assertThat(relay.sessionCount()).isEqualTo(4);

        for (String id : List.of("c2", "c3", "c4", "c5")) {
            await(relay.delete(id));
            assertThat(relay.portsInUse() + relay.portsIdle()).isLessThanOrEqualTo(16);
        }
        assertThat(relay.portsInUse()).isZero();
        for (int i = 0; i < 30; i++) { // churn: every port handed out lies in the range
            int[] ports = call("churn-" + i, a, b);
            assertThat(ports[0]).isBetween(38200, 38215);
            assertThat(ports[1]).isBetween(38200, 38215);
            await(relay.delete("churn-" + i));
            assertThat(relay.portsInUse() + relay.portsIdle()).isLessThanOrEqualTo(16);
        }
    }

    @Test
    void withNoNumberLeftNewCallsGoToTheLoopThatHoldsIdleSockets() throws Exception {
        await(vertx.close());
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2)); // calls alternate between two pools
        relay(38500, 38515, Duration.ofHours(1), false);
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        for (int i = 1; i <= 4; i++) {
            call("c" + i, a, b);
        }
        await(relay.delete("c1"));
        await(relay.delete("c3")); // likely both on one loop: the other has no idle socket and no number is free
        call("c5", a, b);
        call("c6", a, b);
        assertThat(relay.portsInUse()).isEqualTo(16);
        assertThat(relay.portsIdle()).isZero();
    }

    @Test
    void socketsGivenBackBeyondTheIdleCapAreClosed() throws Exception {
        relay = new MediaRelay(vertx, new RelayConfig().portRange(38600, 38619).bindHost(IP)
                .portQuarantine(Duration.ofHours(1)).maxIdlePorts(4));
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        call("c1", a, b);
        int[] c2 = call("c2", a, b);
        await(relay.delete("c1"));
        await(relay.delete("c2")); // the cap is full with c1's sockets: c2's are closed
        assertThat(relay.portsIdle()).isEqualTo(4);
        assertThat(relay.portsInUse()).isZero();
        for (int port : new int[] {c2[0], c2[0] + 1, c2[1], c2[1] + 1}) {
            waitUntil(() -> canBind(port));
        }
    }

    @Test
    void aSetupFailingMidwayGivesBackWhatItTook() throws Exception {
        relay(38300, 38303, Duration.ofHours(1), false); // two pairs, one of them taken by another process
        Endpoints.Phone a = track(new Endpoints.Phone());
        try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress(IP, 38302))) {
            // the caller leg gets 38300/38301, the callee leg finds nothing
            assertThatThrownBy(() -> await(relay.offer("half", "f", a.sdp("a"), LegOptions.plain(IP))))
                    .hasMessageContaining("no free media port");
            assertThat(relay.sessionCount()).isZero();
            assertThat(relay.portsInUse()).isZero();
            assertThat(squatter.isBound()).isTrue();
        }
        // with the squatter gone, a call gets both pairs (the given-back one despite its quarantine: nothing else)
        int[] ports = call("whole", a, track(new Endpoints.Phone()));
        assertThat(Set.of(ports[0], ports[1])).isEqualTo(Set.of(38300, 38302));
        assertThat(relay.portsInUse()).isEqualTo(4);
    }

    @Test
    void aBrowserLegTakesOneSocketOfAnIdlePairAndShutdownClosesEveryIdleSocket() throws Exception {
        relay(38400, 38419, Duration.ZERO, false);
        Endpoints.Phone a = track(new Endpoints.Phone());
        Endpoints.Phone b = track(new Endpoints.Phone());
        int[] plain = call("plain", a, b);
        await(relay.delete("plain"));
        Endpoints.Browser web = track(new Endpoints.Browser(executor));
        String toPhone = await(relay.offer("web", "w", web.offer("actpass"), LegOptions.plain(IP)));
        String toWeb = await(relay.answer("web", "w", "p", b.sdp("b"), LegOptions.browser(IP)));
        int webPort = SessionDescription.parse(toWeb).audio().port();
        int phonePort = SessionDescription.parse(toPhone).audio().port();
        assertThat(Set.of(webPort, phonePort)).isEqualTo(Set.of(plain[0], plain[1]));
        assertThat(relay.portsInUse()).isEqualTo(3);
        assertThat(relay.portsIdle()).isEqualTo(1); // the RTCP half of the pair the browser leg took
        await(relay.delete("web"));

        relay.shutdown().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        relay = null;
        for (int port : new int[] {plain[0], plain[0] + 1, plain[1], plain[1] + 1}) {
            waitUntil(() -> canBind(port));
        }
    }

    static boolean canBind(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(IP, port))) {
            return s.isBound();
        } catch (SocketException e) {
            return false;
        }
    }
}
