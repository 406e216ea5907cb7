package one.webph.media.ng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.LegStatistics;
import one.webph.media.relay.LegType;
import one.webph.media.relay.MediaRelay;
import one.webph.media.relay.RelayConfig;
import one.webph.media.relay.RelayMode;
import one.webph.media.relay.SessionStatistics;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Our relay controlled over NG: {@link NgClient} -> loopback UDP -> {@link NgServer} -> {@link MediaRelay}. */
class NgServerTest {
    static final String IP = "127.0.0.1";
    Vertx vertx;
    MediaRelay relay;
    NgServer server;
    NgClient client;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        relay = new MediaRelay(vertx, new RelayConfig().portRange(36000, 36999).bindHost(IP));
        server = await(new NgServer(vertx, relay, IP).listen(IP, 0));
        client = new NgClient(vertx, SocketAddress.inetSocketAddress(server.port(), IP));
    }

    @AfterEach
    void tearDown() throws Exception {
        await(client.shutdown());
        await(server.shutdown());
        await(relay.shutdown());
        await(vertx.close());
    }

    static <T> T await(Future<T> future) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    @Test
    void pingIsAnsweredWithPong() throws Exception {
        await(client.ping());
        Map<String, Object> reply = await(client.request(Map.of("command", "ping")));
        assertThat(reply).containsEntry("result", "pong");
    }

    @Test
    void phonesTalkThroughTheRelayDrivenOverNg() throws Exception {
        try (TestPhone alice = new TestPhone(); TestPhone bob = new TestPhone()) {
            String toBob = await(client.offer("ng-call-1", "tagA", alice.sdp("alice"), LegOptions.plain(IP)));
            String toAlice = await(client.answer("ng-call-1", "tagA", "tagB", bob.sdp("bob"),
                    LegOptions.sameAsSdp(IP)));
            MediaDescription offerToBob = SessionDescription.parse(toBob).audio();
            MediaDescription answerToAlice = SessionDescription.parse(toAlice).audio();
            assertThat(offerToBob.proto()).isEqualTo("RTP/AVP");
            assertThat(offerToBob.port()).isBetween(36000, 36999).isNotEqualTo(alice.rtp.getLocalPort());
            assertThat(answerToAlice.port()).isBetween(36000, 36999).isNotEqualTo(offerToBob.port());
            assertThat(SessionDescription.parse(toBob).connectionFor(offerToBob).host()).isEqualTo(IP);

            for (int seq = 1; seq <= 5; seq++) {
                byte[] fromAlice = TestPhone.rtpPacket(seq, seq * 160L, 0x1111, ("alice-" + seq).getBytes());
                alice.sendRtp(fromAlice, answerToAlice.port());
                assertThat(bob.receiveRtp()).isEqualTo(fromAlice);
                byte[] fromBob = TestPhone.rtpPacket(100 + seq, seq * 160L, 0x2222, ("bob-" + seq).getBytes());
                bob.sendRtp(fromBob, offerToBob.port());
                assertThat(alice.receiveRtp()).isEqualTo(fromBob);
            }

            SessionStatistics stats = await(client.statistics("ng-call-1"));
            assertThat(stats.mode()).isEqualTo(RelayMode.PLAIN_PLAIN);
            assertThat(stats.fromTag()).isEqualTo("tagA");
            assertThat(stats.toTag()).isEqualTo("tagB");
            LegStatistics caller = stats.caller();
            assertThat(caller.packetsIn()).isEqualTo(5);
            assertThat(caller.packetsOut()).isEqualTo(5);
            assertThat(caller.localRtpPort()).isEqualTo(answerToAlice.port());
            assertThat(caller.localRtcpPort()).isEqualTo(answerToAlice.port() + 1);
            assertThat(caller.peerAddress()).isEqualTo(IP + ":" + alice.rtp.getLocalPort());
            assertThat(stats.callee().packetsIn()).isEqualTo(5);
            assertThat(stats.callee().type()).isEqualTo(LegType.PLAIN);

            // the delete's reply carries the final figures: no query needed at the end of a call
            SessionStatistics last = await(client.deleteAndReport("ng-call-1"));
            assertThat(last.caller().packetsIn()).isEqualTo(5);
            assertThat(last.callee().packetsIn()).isEqualTo(5);
            assertThat(last.toTag()).isEqualTo("tagB");
            assertThat(relay.sessionCount()).isZero();
            assertThat(await(client.statistics("ng-call-1"))).isNull();
            assertThat(await(client.deleteAndReport("ng-call-1"))).isNull();
            NgServerTestSupport.waitUntil(() -> relay.portsInUse() == 0);
        }
    }

    @Test
    void offerFlagsPickTheCalleeKind() throws Exception {
        String browserOffer = "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                + "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0\r\n"
                + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
                + "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB\r\na=setup:actpass\r\na=mid:0\r\n"
                + "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:126 telephone-event/8000\r\n";
        // Kamailio-style: ICE=remove, RTP/AVP, rtcp-mux demux, DTLS=off -> plain callee.
        Map<String, Object> offer = new LinkedHashMap<>();
        offer.put("command", "offer");
        offer.put("call-id", "ng-call-2");
        offer.put("from-tag", "browserTag");
        offer.put("sdp", browserOffer);
        offer.put("ICE", "remove");
        offer.put("DTLS", "off");
        offer.put("transport-protocol", "RTP/AVP");
        offer.put("rtcp-mux", List.of("demux"));
        offer.put("direction", List.of("internal", "external"));
        String toPhone = (String) await(client.request(offer)).get("sdp");
        MediaDescription audio = SessionDescription.parse(toPhone).audio();
        assertThat(audio.proto()).isEqualTo("RTP/AVP");
        assertThat(audio.payloadTypes()).containsExactly(0, 8, 126);
        assertThat(toPhone).doesNotContain("ice-ufrag", "fingerprint", "rtcp-mux", "candidate");
        assertThat(relay.query("ng-call-2").mode()).isEqualTo(RelayMode.BROWSER_PLAIN);

        // Phone -> browser with the legacy flags-list form.
        try (TestPhone phone = new TestPhone()) {
            Map<String, Object> offer2 = new LinkedHashMap<>();
            offer2.put("command", "offer");
            offer2.put("call-id", "ng-call-3");
            offer2.put("from-tag", "phoneTag");
            offer2.put("sdp", phone.sdp("phone"));
            offer2.put("flags", List.of("trust-address", "ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-offer"));
            String toBrowser = (String) await(client.request(offer2)).get("sdp");
            MediaDescription b = SessionDescription.parse(toBrowser).audio();
            assertThat(b.proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
            assertThat(b.iceUfrag()).isNotBlank();
            assertThat(b.setup()).isEqualTo("actpass");
            assertThat(b.rtcpMux()).isTrue();
            assertThat(relay.query("ng-call-3").mode()).isEqualTo(RelayMode.PLAIN_BROWSER);
        }
    }

    @Test
    void retransmittedRequestGetsTheCachedReplyAndIsNotExecutedTwice() throws Exception {
        try (TestPhone alice = new TestPhone(); DatagramSocket proxy = new DatagramSocket(
                new InetSocketAddress(TestPhone.LOOPBACK, 0))) {
            proxy.setSoTimeout(5000);
            Map<String, Object> offer = Map.of("command", "offer", "call-id", "ng-dup", "from-tag", "t1",
                    "sdp", alice.sdp("alice"));
            byte[] request = withCookie("dup-cookie-1", Bencode.encode(offer));
            proxy.send(new DatagramPacket(request, request.length, TestPhone.LOOPBACK, server.port()));
            byte[] first = receive(proxy);
            proxy.send(new DatagramPacket(request, request.length, TestPhone.LOOPBACK, server.port()));
            byte[] second = receive(proxy);
            assertThat(second).isEqualTo(first);
            assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("dup-cookie-1 d");
            assertThat(relay.sessionCount()).isEqualTo(1);
            assertThat(relay.portsInUse()).isEqualTo(4); // one RTP+RTCP pair per leg, allocated once

            // The same dictionary under a new cookie is a new request: now a re-offer on the same ports.
            byte[] again = withCookie("dup-cookie-2", Bencode.encode(offer));
            proxy.send(new DatagramPacket(again, again.length, TestPhone.LOOPBACK, server.port()));
            Map<String, Object> reply = parseReply(receive(proxy), "dup-cookie-2");
            assertThat(reply).containsEntry("result", "ok");
            assertThat(relay.portsInUse()).isEqualTo(4);
        }
    }

    @Test
    void badRequestsGetErrorReplies() throws Exception {
        try (DatagramSocket proxy = new DatagramSocket(new InetSocketAddress(TestPhone.LOOPBACK, 0))) {
            proxy.setSoTimeout(5000);
            assertThat(exchange(proxy, "c1", "d7:command4:ping".getBytes()))
                    .containsEntry("result", "error")
                    .hasEntrySatisfying("error-reason", r -> assertThat((String) r).startsWith("Invalid NG data"));
            assertThat(exchange(proxy, "c2", "l4:pinge".getBytes()))
                    .containsEntry("error-reason", "Invalid NG data format: expected a dictionary");
            assertThat(exchange(proxy, "c3", Bencode.encode(Map.of("command", "bogus"))))
                    .containsEntry("error-reason", "Unrecognized command 'bogus'");
            assertThat(exchange(proxy, "c4", Bencode.encode(Map.of("call-id", "x"))))
                    .containsEntry("error-reason", "No command in message");
            assertThat(exchange(proxy, "c5", Bencode.encode(Map.of("command", 5L))))
                    .containsEntry("error-reason", "'command' must be a string");
            // no cookie: dropped silently, the next valid request is still served
            byte[] noCookie = Bencode.encode(Map.of("command", "ping"));
            proxy.send(new DatagramPacket(noCookie, noCookie.length, TestPhone.LOOPBACK, server.port()));
            assertThat(exchange(proxy, "c6", noCookie)).containsEntry("result", "pong");
        }
        assertThatThrownBy(() -> await(client.request(Map.of("command", "offer", "call-id", "x", "from-tag", "y"))))
                .isInstanceOf(NgException.class).hasMessage("No SDP body in message");
        assertThatThrownBy(() -> await(client.request(Map.of("command", "offer", "call-id", "x",
                "from-tag", "y", "sdp", "v=0\r\n", "ICE", "remove", "transport-protocol", "UDP/TLS/RTP/SAVPF"))))
                .isInstanceOf(NgException.class).hasMessageContaining("conflicting flags");
        assertThatThrownBy(() -> await(client.request(Map.of("command", "offer", "call-id", "x",
                "from-tag", "y", "sdp", "v=0\r\n", "transport-protocol", "RTP/SAVP"))))
                .isInstanceOf(NgException.class).hasMessageContaining("SDES");
        assertThatThrownBy(() -> await(client.offer("x", "y", "not an sdp", LegOptions.plain(IP))))
                .isInstanceOf(NgException.class);
        assertThatThrownBy(() -> await(client.answer("nope", "a", "b", "v=0\r\n", LegOptions.sameAsSdp(IP))))
                .isInstanceOf(NgException.class).hasMessageContaining("no media session");
        assertThatThrownBy(() -> await(client.request(Map.of("command", "query", "call-id", "nope"))))
                .isInstanceOf(NgException.class).hasMessage("Unknown call-id");
        Map<String, Object> deleted = await(client.request(Map.of("command", "delete", "call-id", "nope")));
        assertThat(deleted).containsEntry("result", "ok").containsKey("warning");
        assertThat(relay.sessionCount()).isZero();
        assertThat(relay.portsInUse()).isZero();
    }

    @Test
    void clientRetransmitsWithTheSameCookieAndTimesOut() throws Exception {
        try (DatagramSocket lossy = new DatagramSocket(new InetSocketAddress(TestPhone.LOOPBACK, 0))) {
            lossy.setSoTimeout(5000);
            NgClient c = new NgClient(vertx, SocketAddress.inetSocketAddress(lossy.getLocalPort(), IP),
                    Duration.ofMillis(200), 3, Map.of());
            try {
                Future<Void> ping = c.ping();
                byte[] first = receive(lossy); // "lost": not answered
                DatagramPacket second = new DatagramPacket(new byte[2048], 2048);
                lossy.receive(second);
                assertThat(Arrays.copyOf(second.getData(), second.getLength())).isEqualTo(first);
                String cookie = new String(first, StandardCharsets.UTF_8).split(" ", 2)[0];
                byte[] pong = withCookie(cookie, Bencode.encode(Map.of("result", "pong")));
                lossy.send(new DatagramPacket(pong, pong.length, second.getSocketAddress()));
                await(ping);

                Future<Void> unanswered = c.ping();
                for (int i = 0; i < 3; i++) {
                    receive(lossy);
                }
                assertThatThrownBy(() -> await(unanswered)).isInstanceOfSatisfying(NgException.class,
                        e -> assertThat(e.isTimeout()).isTrue());
                lossy.setSoTimeout(500);
                assertThatThrownBy(() -> receive(lossy)).isInstanceOf(SocketTimeoutException.class);
            } finally {
                await(c.shutdown());
            }
        }
    }

    static byte[] withCookie(String cookie, byte[] body) {
        byte[] c = (cookie + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(c, c.length + body.length);
        System.arraycopy(body, 0, out, c.length, body.length);
        return out;
    }

    static byte[] receive(DatagramSocket socket) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[65536], 65536);
        socket.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    static Map<String, Object> parseReply(byte[] datagram, String cookie) {
        byte[] prefix = (cookie + " ").getBytes(StandardCharsets.US_ASCII);
        assertThat(Arrays.copyOf(datagram, prefix.length)).isEqualTo(prefix);
        return Bencode.decodeDictionary(datagram, prefix.length, datagram.length - prefix.length);
    }

    Map<String, Object> exchange(DatagramSocket socket, String cookie, byte[] body) throws Exception {
        byte[] request = withCookie(cookie, body);
        socket.send(new DatagramPacket(request, request.length, TestPhone.LOOPBACK, server.port()));
        return parseReply(receive(socket), cookie);
    }
}
