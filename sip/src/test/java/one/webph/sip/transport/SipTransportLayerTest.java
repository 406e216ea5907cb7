package one.webph.sip.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Via;
import one.webph.sip.parser.SipMessageParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loopback tests of the transport layer: every wait is bounded. */
class SipTransportLayerTest {
    record Received(SipMessage message, SipFlow flow, SocketAddress source) { }

    private Vertx vertx;
    private SipTransportLayer layer;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<SipFlow> closedFlows = new LinkedBlockingQueue<>();
    /** Records what a transport layer delivers into {@link #received} and {@link #closedFlows}. */
    private final SipTransportListener recorder = new SipTransportListener() {
        @Override
        public void onMessage(SipMessage message, SipFlow flow, SocketAddress source) {
            received.add(new Received(message, flow, source));
        }

        @Override
        public void onFlowClosed(SipFlow flow) {
            closedFlows.add(flow);
        }
    };

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        layer = new SipTransportLayer(vertx, new SipTransportOptions().setMaxMessageSize(4096).setMaxConnectionsPerIp(3),
                recorder);
    }

    @AfterEach
    void tearDown() throws Exception {
        await(layer.close());
        await(vertx.close());
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("message received in time").isNotNull();
        return r;
    }

    static String options(String branchSuffix, String viaHost, boolean rport) {
        return "OPTIONS sip:server@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + viaHost + ";branch=z9hG4bK" + branchSuffix + (rport ? ";rport" : "") + "\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:server@127.0.0.1>\r\n"
                + "Call-ID: call-" + branchSuffix + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void udpReceiveStampsReceivedAndRportAndResponseGoesBackToSourcePort() throws Exception {
        SocketAddress bound = await(layer.listenUdp("127.0.0.1", 0));
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(10000);
            byte[] req = options("u1", "192.0.2.1:5099", true).getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(req, req.length, InetAddress.getLoopbackAddress(), bound.port()));
            Received r = next();
            Via top = r.message().topVia();
            assertThat(top.received()).isEqualTo("127.0.0.1");
            assertThat(top.rport()).isEqualTo(client.getLocalPort());
            assertThat(r.flow().transport()).isEqualTo(Transport.UDP);
            assertThat(layer.flow(r.flow().id())).isPresent();

            // The Via says 192.0.2.1:5099 but rport/received route the response back to the real source.
            SipResponse resp = ((SipRequest) r.message()).createResponse(200);
            await(layer.sendResponse(resp, r.flow()));
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            client.receive(p);
            SipResponse back = (SipResponse) SipMessageParser.parseDatagram(p.getData(), 0, p.getLength());
            assertThat(back.status()).isEqualTo(200);
            assertThat(back.topVia().rport()).isEqualTo(client.getLocalPort());
        }
    }

    @Test
    void aUdpQueueThatDoesNotDrainIsBackloggedUntilItDrains() throws Exception {
        java.util.List<Boolean> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        SipTransportLayer[] slow = new SipTransportLayer[1];
        slow[0] = new SipTransportLayer(vertx, new SipTransportOptions().setBacklogMillis(100),
                new SipTransportListener() {
                    @Override
                    public void onMessage(SipMessage message, SipFlow flow, SocketAddress source) {
                        seen.add(slow[0].isBacklogged());
                        try {
                            Thread.sleep(2); // a loop slower than the datagrams arrive
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        SocketAddress bound = await(slow[0].listenUdp("127.0.0.1", 0));
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int n = 300;
            for (int i = 0; i < n; i++) {
                byte[] b = options("c" + i, "127.0.0.1", false).getBytes(StandardCharsets.UTF_8);
                client.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), bound.port()));
            }
            for (int i = 0; i < 500 && seen.size() < n; i++) {
                Thread.sleep(20);
            }
            assertThat(seen).as("every datagram delivered").hasSize(n);
            assertThat(seen.get(0)).as("not at first").isFalse();
            assertThat(seen).as("backlogged while the queue stayed full for more than 100 ms").contains(true);
            // the last wake-up read fewer than a full batch: the queue drained
            for (int i = 0; i < 100 && slow[0].isBacklogged(); i++) {
                Thread.sleep(20);
            }
            assertThat(slow[0].isBacklogged()).isFalse();
        } finally {
            await(slow[0].close());
        }
    }

    @Test
    void udpDropsOversizedAndAnswersMalformedWith400() throws Exception {
        SocketAddress bound = await(layer.listenUdp("127.0.0.1", 0));
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(10000);
            String big = options("big", "127.0.0.1", false).replace("Content-Length: 0\r\n",
                    "X-Pad: " + "x".repeat(5000) + "\r\nContent-Length: 0\r\n");
            byte[] b = big.getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), bound.port()));
            // Broken CSeq, but Via/From/To/Call-ID are there: a 400 comes back.
            byte[] bad = options("bad", "127.0.0.1", true).replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS")
                    .getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(bad, bad.length, InetAddress.getLoopbackAddress(), bound.port()));
            DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
            client.receive(p);
            // (Not re-parsed: the 400 echoes the broken CSeq verbatim.)
            String r = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            assertThat(r).startsWith("SIP/2.0 400 Bad Request\r\n").contains("Call-ID: call-bad\r\n")
                    .contains("received=127.0.0.1");
            // A good message after both still arrives, and it is the only thing that arrived.
            byte[] good = options("good", "127.0.0.1", false).getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(good, good.length, InetAddress.getLoopbackAddress(), bound.port()));
            assertThat(next().message().callId()).isEqualTo("call-good");
            assertThat(received).isEmpty();
        }
    }

    @Test
    void tcpFramingSplitBatchedKeepAliveAndClose() throws Exception {
        SocketAddress bound = await(layer.listenTcp("127.0.0.1", 0));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            s.setSoTimeout(10000);
            OutputStream out = s.getOutputStream();
            byte[] one = options("t1", "10.0.0.1", true).replace("UDP", "TCP").getBytes(StandardCharsets.UTF_8);
            // split in two writes
            out.write(one, 0, 40);
            out.flush();
            Thread.sleep(50); // let the first half arrive alone (bounded, just to make the split real)
            out.write(one, 40, one.length - 40);
            // ping, then two messages in one write
            byte[] two = (options("t2", "10.0.0.1", false) + options("t3", "10.0.0.1", false)).replace("UDP", "TCP")
                    .getBytes(StandardCharsets.UTF_8);
            out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(two);
            out.flush();
            Received r1 = next();
            assertThat(r1.message().callId()).isEqualTo("call-t1");
            assertThat(r1.message().topVia().received()).isEqualTo("127.0.0.1");
            assertThat(r1.flow().transport()).isEqualTo(Transport.TCP);
            assertThat(next().message().callId()).isEqualTo("call-t2");
            assertThat(next().message().callId()).isEqualTo("call-t3");
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo('\r');
            assertThat(in.read()).isEqualTo('\n');

            // A response goes back down the same connection.
            await(layer.sendResponse(((SipRequest) r1.message()).createResponse(200), r1.flow()));
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).startsWith("SIP/2.0 200 OK\r\n");

            // Sending by destination to the client's address reuses this inbound connection.
            SipFlow reused = await(layer.send(((SipRequest) r1.message()).createResponse(180), Transport.TCP, "127.0.0.1", s.getLocalPort()));
            assertThat(reused.id()).isEqualTo(r1.flow().id());
            n = in.read(buf);
            assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).startsWith("SIP/2.0 180 Ringing\r\n");

            s.close();
            SipFlow closed = closedFlows.poll(10, TimeUnit.SECONDS);
            assertThat(closed).isNotNull();
            assertThat(closed.id()).isEqualTo(r1.flow().id());
            assertThat(layer.flow(closed.id())).isEmpty();
        }
    }

    @Test
    void streamIdleTimeoutAppliesToTcpApartFromTheWebSocketOne() throws Exception {
        // both close idle WebSockets after 1 s; only "strict" applies that to TCP as well
        SipTransportLayer patient = new SipTransportLayer(vertx,
                new SipTransportOptions().setIdleTimeoutSeconds(1).setStreamIdleTimeoutSeconds(60), recorder);
        SipTransportLayer strict = new SipTransportLayer(vertx, new SipTransportOptions().setIdleTimeoutSeconds(1),
                recorder);
        try {
            int patientPort = await(patient.listenTcp("127.0.0.1", 0)).port();
            int strictPort = await(strict.listenTcp("127.0.0.1", 0)).port();
            try (Socket kept = new Socket(InetAddress.getLoopbackAddress(), patientPort);
                    Socket dropped = new Socket(InetAddress.getLoopbackAddress(), strictPort)) {
                kept.setSoTimeout(10000);
                kept.getOutputStream().write(options("k1", "10.0.0.1", true).replace("UDP", "TCP")
                        .getBytes(StandardCharsets.UTF_8));
                Received keptRequest = next();
                dropped.getOutputStream().write(options("d1", "10.0.0.1", true).replace("UDP", "TCP")
                        .getBytes(StandardCharsets.UTF_8));
                SipFlow droppedFlow = next().flow();

                SipFlow closed = closedFlows.poll(10, TimeUnit.SECONDS);
                assertThat(closed).as("the strict layer closed its idle connection").isNotNull();
                assertThat(closed.id()).isEqualTo(droppedFlow.id());
                // idle at least as long, the other connection is still up and usable
                assertThat(keptRequest.flow().isOpen()).isTrue();
                await(patient.sendResponse(((SipRequest) keptRequest.message()).createResponse(200),
                        keptRequest.flow()));
                byte[] buf = new byte[4096];
                int n = kept.getInputStream().read(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).startsWith("SIP/2.0 200 OK\r\n");
            }
        } finally {
            await(patient.close());
            await(strict.close());
        }
    }

    @Test
    void tcpOversizedMessageOrMissingContentLengthClosesConnection() throws Exception {
        SocketAddress bound = await(layer.listenTcp("127.0.0.1", 0));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            s.setSoTimeout(10000);
            String noLength = options("nl", "10.0.0.1", false).replace("Content-Length: 0\r\n", "");
            s.getOutputStream().write(noLength.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(closedFlows.poll(10, TimeUnit.SECONDS)).isNotNull();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), bound.port())) {
            s.setSoTimeout(10000);
            String big = options("big", "10.0.0.1", false).replace("Content-Length: 0", "Content-Length: 100000");
            s.getOutputStream().write(big.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(received).isEmpty();
    }

    @Test
    void connectionLimitPerIp() throws Exception {
        SocketAddress bound = await(layer.listenTcp("127.0.0.1", 0));
        Socket[] sockets = new Socket[4];
        try {
            for (int i = 0; i < 3; i++) {
                sockets[i] = new Socket(InetAddress.getLoopbackAddress(), bound.port());
                sockets[i].getOutputStream().write(options("c" + i, "10.0.0.1", false).getBytes(StandardCharsets.UTF_8));
                assertThat(next().message().callId()).isEqualTo("call-c" + i);
            }
            sockets[3] = new Socket(InetAddress.getLoopbackAddress(), bound.port());
            sockets[3].setSoTimeout(10000);
            assertThat(sockets[3].getInputStream().read()).as("4th connection is closed").isEqualTo(-1);
            assertThat(layer.connectionCount("127.0.0.1")).isEqualTo(3);
        } finally {
            for (Socket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void outboundTcpConnectionIsOpenedAndReused() throws Exception {
        // A second layer plays the remote peer.
        BlockingQueue<SipMessage> peerGot = new LinkedBlockingQueue<>();
        SipTransportLayer peer = new SipTransportLayer(vertx, new SipTransportOptions(), (m, f, s) -> peerGot.add(m));
        try {
            SocketAddress peerAddr = await(peer.listenTcp("127.0.0.1", 0));
            await(layer.listenTcp("127.0.0.1", 0));
            SipRequest req = (SipRequest) SipMessageParser.parse(options("o1", "127.0.0.1", false));
            req.popVia();
            req.pushVia(layer.newVia(Transport.TCP));
            SipFlow f1 = await(layer.send(req, Transport.TCP, "localhost", peerAddr.port()));
            SipFlow f2 = await(layer.send(req, Transport.TCP, "localhost", peerAddr.port()));
            assertThat(f2.id()).isEqualTo(f1.id());
            assertThat(peerGot.poll(10, TimeUnit.SECONDS).topVia().transport()).isEqualTo("TCP");
            assertThat(peerGot.poll(10, TimeUnit.SECONDS)).isNotNull();
        } finally {
            await(peer.close());
        }
    }

    @Test
    void tlsSendAndReceiveWithCertificateReload() throws Exception {
        SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
        ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(cert.keyCertOptions());
        SocketAddress bound = await(layer.listenTls("127.0.0.1", 0, ssl));
        NetClient client = vertx.createNetClient(new NetClientOptions().setSsl(true).setTrustAll(true).setHostnameVerificationAlgorithm(""));
        NetSocket sock = await(client.connect(bound.port(), "127.0.0.1"));
        BlockingQueue<String> clientGot = new LinkedBlockingQueue<>();
        sock.handler(b -> clientGot.add(b.toString(StandardCharsets.UTF_8)));
        await(sock.write(options("tls1", "10.0.0.1", false).replace("UDP", "TLS")));
        Received r = next();
        assertThat(r.flow().transport()).isEqualTo(Transport.TLS);
        await(layer.sendResponse(((SipRequest) r.message()).createResponse(200), r.flow()));
        assertThat(clientGot.poll(10, TimeUnit.SECONDS)).startsWith("SIP/2.0 200 OK");
        // Hot reload with a new certificate; new connections still work.
        SelfSignedCertificate cert2 = SelfSignedCertificate.create("localhost");
        assertThat(await(layer.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(cert2.keyCertOptions())))).isTrue();
        NetSocket sock2 = await(client.connect(bound.port(), "127.0.0.1"));
        await(sock2.write(options("tls2", "10.0.0.1", false).replace("UDP", "TLS")));
        assertThat(next().message().callId()).isEqualTo("call-tls2");
        await(client.close());
    }

    @Test
    void dedicatedWebSocketListenerOneMessagePerFrame() throws Exception {
        SocketAddress bound = await(layer.listenWebSocket("127.0.0.1", 0, null));
        WebSocketClient wsc = vertx.createWebSocketClient(new WebSocketClientOptions());
        WebSocket ws = await(wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(bound.port())
                .setURI("/").addSubProtocol("sip")));
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        ws.textMessageHandler(got::add);
        // RFC 7118: no Content-Length needed on WebSocket.
        await(ws.writeTextMessage(options("ws1", "df7jal23ls0d.invalid", true).replace("SIP/2.0/UDP", "SIP/2.0/WS")
                .replace("Content-Length: 0\r\n", "")));
        Received r = next();
        assertThat(r.flow().transport()).isEqualTo(Transport.WS);
        assertThat(r.message().topVia().received()).isEqualTo("127.0.0.1");
        await(layer.sendResponse(((SipRequest) r.message()).createResponse(200), r.flow()));
        String resp = got.poll(10, TimeUnit.SECONDS);
        assertThat(resp).startsWith("SIP/2.0 200 OK\r\n");
        // Requests toward the browser go over its flow.
        SipRequest toBrowser = (SipRequest) SipMessageParser.parse(options("ws2", "127.0.0.1", false));
        await(r.flow().send(toBrowser));
        assertThat(got.poll(10, TimeUnit.SECONDS)).contains("Call-ID: call-ws2");
        await(ws.close());
        SipFlow closed = closedFlows.poll(10, TimeUnit.SECONDS);
        assertThat(closed).isNotNull();
        assertThat(closed.transport()).isEqualTo(Transport.WS);
        assertThat(r.flow().isOpen()).isFalse();
        await(wsc.close());
    }

    @Test
    void adoptedWebSocketFromAnotherHttpServer() throws Exception {
        io.vertx.core.http.HttpServer web = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions()
                .addWebSocketSubProtocol("sip"));
        web.webSocketHandler(ws -> layer.adoptWebSocket(ws));
        web.requestHandler(req -> req.response().end("web"));
        int port = await(web.listen(0, "127.0.0.1")).actualPort();
        layer.options().setAdvertisedHost("sip.example.org").setAdvertisedPort(Transport.WSS, 443);
        WebSocketClient wsc = vertx.createWebSocketClient();
        WebSocket ws = await(wsc.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
                .setURI("/any/path").addSubProtocol("sip")));
        await(ws.writeBinaryMessage(Buffer.buffer(options("ad1", "x.invalid", false).replace("SIP/2.0/UDP", "SIP/2.0/WS"))));
        Received r = next();
        assertThat(r.flow().transport()).isEqualTo(Transport.WS);
        assertThat(layer.newVia(Transport.WSS).toString()).startsWith("SIP/2.0/WSS sip.example.org:443;branch=z9hG4bK");
        assertThat(layer.recordRouteUri(Transport.WSS).toString()).isEqualTo("sip:sip.example.org:443;transport=wss;lr");
        ws.close();
        assertThat(closedFlows.poll(10, TimeUnit.SECONDS)).isNotNull();
        await(wsc.close());
        await(web.close());
    }

    @Test
    void tlsClientIgnoredWhenSslNotConfiguredButTrustAllOptionWorks() throws Exception {
        // Outbound TLS toward a peer layer, trusting its self-signed certificate explicitly.
        SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
        BlockingQueue<SipMessage> peerGot = new LinkedBlockingQueue<>();
        SipTransportLayer peer = new SipTransportLayer(vertx, new SipTransportOptions(), (m, f, s) -> peerGot.add(m));
        try {
            SocketAddress addr = await(peer.listenTls("127.0.0.1", 0, new ServerSSLOptions().setKeyCertOptions(cert.keyCertOptions())));
            layer.options().setTlsClientOptions(new ClientSSLOptions().setTrustOptions(cert.trustOptions())
                    .setHostnameVerificationAlgorithm(""));
            SipRequest req = (SipRequest) SipMessageParser.parse(options("otls", "127.0.0.1", false));
            await(layer.send(req, Transport.TLS, "127.0.0.1", addr.port()));
            assertThat(peerGot.poll(10, TimeUnit.SECONDS)).isNotNull();
        } finally {
            await(peer.close());
        }
    }
}
