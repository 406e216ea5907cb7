package one.webph.media.ng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.io.File;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.RelayMode;
import one.webph.media.relay.SessionStatistics;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NgClient} against the real RTPEngine daemon (Debian package rtpengine-daemon, userspace forwarding with
 * --table=-1), started as a child process on loopback. Fails when the binary is missing: CI installs it.
 */
class NgClientRtpengineTest {
    static final String IP = "127.0.0.1";
    static final int PORT_MIN = 37000;
    static final int PORT_MAX = 37099;
    Vertx vertx;
    Process rtpengine;
    Path log;
    NgClient client;

    static String rtpengineBinary() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/sbin").split(":")) {
            File f = new File(dir, "rtpengine");
            if (!dir.isEmpty() && f.canExecute()) {
                return f.getPath();
            }
        }
        throw new AssertionError("the rtpengine binary is not installed: apt-get install rtpengine-daemon");
    }

    static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(IP, 0))) {
            return s.getLocalPort();
        }
    }

    @BeforeEach
    void startRtpengine() throws Exception {
        vertx = Vertx.vertx();
        int ngPort = freeUdpPort();
        log = Files.createTempFile("rtpengine", ".log");
        rtpengine = new ProcessBuilder(rtpengineBinary(), "--config-file=none", "--foreground", "--table=-1",
                "--interface=" + IP, "--listen-ng=" + IP + ":" + ngPort, "--port-min=" + PORT_MIN,
                "--port-max=" + PORT_MAX, "--log-stderr", "--log-level=6", "--num-threads=1",
                "--delete-delay=0")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        client = new NgClient(vertx, SocketAddress.inetSocketAddress(ngPort, IP), Duration.ofMillis(300), 3,
                Map.of());
        // The daemon needs a moment to bind: ping until it answers (bounded).
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                await(client.ping());
                break;
            } catch (NgException e) {
                if (!rtpengine.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new AssertionError("rtpengine did not answer ping: " + Files.readString(log), e);
                }
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            await(client.shutdown());
        }
        if (rtpengine != null) {
            rtpengine.destroy();
            if (!rtpengine.waitFor(5, TimeUnit.SECONDS)) {
                rtpengine.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        await(vertx.close());
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    @Test
    void offerAnswerQueryDeleteWithRtpFlowingThroughRtpengine() throws Exception {
        try (TestPhone alice = new TestPhone(); TestPhone bob = new TestPhone()) {
            String toBob = await(client.offer("rtpe-call-1", "tagA", alice.sdp("alice"), LegOptions.plain(IP)));
            String toAlice = await(client.answer("rtpe-call-1", "tagA", "tagB", bob.sdp("bob"),
                    LegOptions.sameAsSdp(IP)));
            MediaDescription offerToBob = SessionDescription.parse(toBob).audio();
            MediaDescription answerToAlice = SessionDescription.parse(toAlice).audio();
            assertThat(offerToBob.proto()).isEqualTo("RTP/AVP");
            assertThat(offerToBob.port()).isBetween(PORT_MIN, PORT_MAX);
            assertThat(answerToAlice.port()).isBetween(PORT_MIN, PORT_MAX).isNotEqualTo(offerToBob.port());
            assertThat(toBob).doesNotContain("ice-ufrag");

            for (int seq = 1; seq <= 5; seq++) {
                byte[] fromAlice = TestPhone.rtpPacket(seq, seq * 160L, 0x1111, ("alice-" + seq).getBytes());
                alice.sendRtp(fromAlice, answerToAlice.port());
                assertThat(bob.receiveRtp()).isEqualTo(fromAlice);
                byte[] fromBob = TestPhone.rtpPacket(100 + seq, seq * 160L, 0x2222, ("bob-" + seq).getBytes());
                bob.sendRtp(fromBob, offerToBob.port());
                assertThat(alice.receiveRtp()).isEqualTo(fromBob);
            }

            SessionStatistics stats = await(client.statistics("rtpe-call-1"));
            assertThat(stats.mode()).isEqualTo(RelayMode.PLAIN_PLAIN);
            assertThat(stats.fromTag()).isEqualTo("tagA");
            assertThat(stats.toTag()).isEqualTo("tagB");
            assertThat(stats.caller().packetsIn()).isEqualTo(5);
            assertThat(stats.callee().packetsIn()).isEqualTo(5);
            assertThat(stats.caller().localRtpPort()).isEqualTo(answerToAlice.port());
            assertThat(stats.caller().peerAddress()).isEqualTo(IP + ":" + alice.rtp.getLocalPort());

            SessionStatistics last = await(client.deleteAndReport("rtpe-call-1")); // RTPEngine's delete reply
            assertThat(last.caller().packetsIn()).isEqualTo(5);
            assertThat(last.callee().packetsIn()).isEqualTo(5);
            assertThat(await(client.statistics("rtpe-call-1"))).isNull();
            assertThat(await(client.deleteAndReport("rtpe-call-1"))).isNull();
        }
    }

    @Test
    void rtpengineErrorsSurfaceAsNgExceptions() throws Exception {
        assertThatThrownBy(() -> await(client.answer("rtpe-unknown", "a", "b", "v=0\r\n",
                LegOptions.sameAsSdp(IP)))).isInstanceOf(NgException.class);
        assertThatThrownBy(() -> await(client.request(Map.of("command", "bogus"))))
                .isInstanceOf(NgException.class).hasMessageContaining("Unrecognized command");
        // Deleting an unknown call is not an error (RTPEngine answers ok with a warning), as with our server.
        await(client.delete("rtpe-unknown"));
        assertThat(await(client.request(Map.of("command", "offer", "call-id", "rtpe-2", "from-tag", "t",
                "sdp", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                        + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", "rtcp-mux", List.of("demux")))))
                .containsEntry("result", "ok");
    }
}
