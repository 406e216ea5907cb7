package one.webph.sip.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportOptions;
import org.junit.jupiter.api.Test;

/** Transport + transaction layer wired together on one Vert.x context, over loopback UDP. */
class StackIntegrationTest {

    @Test
    void udpRequestIsAbsorbedOnRetransmissionAndAnsweredOnce() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Context ctx = vertx.getOrCreateContext();
            SipTransportLayer transport = new SipTransportLayer(vertx, ctx, new SipTransportOptions(), null);
            java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
            TransactionLayer tx = new TransactionLayer(new TransportSender(transport), new VertxTimerService(ctx),
                    new TransactionUser() {
                        @Override
                        public void onRequest(ServerTransaction t, SipRequest request) {
                            requests.incrementAndGet();
                            SipResponse ok = request.createResponse(200);
                            ok.setToTag("srv");
                            t.sendResponse(ok);
                        }

                        @Override
                        public void onAck(SipRequest ack, SipFlow flow) { }

                        @Override
                        public void onResponse(ClientTransaction t, SipResponse response) { }

                        @Override
                        public void onTimeout(Transaction t) { }

                        @Override
                        public void onTransportError(Transaction t, Throwable cause) { }
                    }, TimerConfig.DEFAULT);
            transport.setListener(tx);
            SocketAddress bound = transport.listenUdp("127.0.0.1", 0).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                client.setSoTimeout(10000);
                byte[] req = ("OPTIONS sip:s@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + client.getLocalPort()
                        + ";branch=z9hG4bKint1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:s@127.0.0.1>\r\n"
                        + "Call-ID: int1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < 2; i++) {
                    client.send(new DatagramPacket(req, req.length, InetAddress.getLoopbackAddress(), bound.port()));
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    client.receive(p);
                    SipResponse r = (SipResponse) SipMessageParser.parseDatagram(p.getData(), 0, p.getLength());
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.toTag()).isEqualTo("srv");
                }
            }
            // The retransmission was answered from the transaction, the TU saw the request once.
            assertThat(requests.get()).isEqualTo(1);
            transport.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
