package one.webph.sip.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Via;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.Transport;
import org.junit.jupiter.api.Test;

/** Transaction state machines on a fake clock: every timer path, no sleeping. */
class TransactionLayerTest {

    record Sent(long at, SipMessage message) { }

    static final class FakeFlow implements SipFlow {
        final Transport transport;
        boolean open = true;

        FakeFlow(Transport transport) {
            this.transport = transport;
        }

        @Override
        public String id() {
            return "fake-" + transport;
        }

        @Override
        public Transport transport() {
            return transport;
        }

        @Override
        public SocketAddress localAddress() {
            return SocketAddress.inetSocketAddress(5060, "127.0.0.1");
        }

        @Override
        public SocketAddress remoteAddress() {
            return SocketAddress.inetSocketAddress(5062, "192.0.2.9");
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public Future<Void> send(SipMessage message) {
            return Future.succeededFuture();
        }

        @Override
        public void close() {
            open = false;
        }
    }

    final ManualTimerService clock = new ManualTimerService();
    final List<Sent> sent = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final List<Object[]> requests = new ArrayList<>();
    boolean failSends;

    final SipSender sender = new SipSender() {
        @Override
        public Future<SipFlow> sendRequest(SipRequest request, Hop hop) {
            if (failSends) {
                return Future.failedFuture("connection refused");
            }
            sent.add(new Sent(clock.nowMillis(), request));
            return Future.succeededFuture(hop.flow() != null ? hop.flow() : new FakeFlow(hop.transport()));
        }

        @Override
        public Future<Void> sendResponse(SipResponse response, SipFlow requestFlow) {
            sent.add(new Sent(clock.nowMillis(), response));
            return Future.succeededFuture();
        }
    };

    final TransactionUser tu = new TransactionUser() {
        @Override
        public void onRequest(ServerTransaction transaction, SipRequest request) {
            requests.add(new Object[] {transaction, request});
            events.add("request " + request.method());
        }

        @Override
        public void onAck(SipRequest ack, SipFlow flow) {
            events.add("ack " + ack.topVia().branch());
        }

        @Override
        public void onResponse(ClientTransaction transaction, SipResponse response) {
            events.add("response " + response.status());
        }

        @Override
        public void onStrayResponse(SipResponse response, SipFlow flow) {
            events.add("stray " + response.status());
        }

        @Override
        public void onTimeout(Transaction transaction) {
            events.add("timeout@" + clock.nowMillis());
        }

        @Override
        public void onTransportError(Transaction transaction, Throwable cause) {
            events.add("transport-error");
        }

        @Override
        public void onTerminated(Transaction transaction) {
            events.add("terminated@" + clock.nowMillis());
        }
    };

    final TransactionLayer layer = new TransactionLayer(sender, clock, tu, TimerConfig.DEFAULT);

    static SipRequest request(String method, String branch) {
        return (SipRequest) SipMessageParser.parse(method + " sip:bob@example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.9:5062;branch=" + branch + "\r\nMax-Forwards: 70\r\n"
                + "From: <sip:alice@example.com>;tag=fa\r\nTo: <sip:bob@example.com>\r\nCall-ID: tx-1\r\n"
                + "CSeq: 1 " + method + "\r\nContent-Length: 0\r\n\r\n");
    }

    static SipResponse response(SipRequest req, int status) {
        SipResponse r = req.createResponse(status);
        if (status > 100) {
            r.setToTag("tb");
        }
        return (SipResponse) SipMessageParser.parse(r.toString());
    }

    List<Long> sendTimes(String startLinePrefix) {
        return sent.stream().filter(s -> s.message.startLine().startsWith(startLinePrefix)).map(Sent::at).toList();
    }

    @Test
    void inviteClientOverUdpRetransmitsWithTimerAAndTimesOutWithTimerB() {
        SipRequest inv = request("INVITE", "z9hG4bKc1");
        layer.sendRequest(inv, Hop.of(Transport.UDP, "192.0.2.9", 5062));
        clock.advance(40_000);
        assertThat(sendTimes("INVITE")).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 15500L, 31500L);
        assertThat(events).containsExactly("timeout@32000", "terminated@32000");
        assertThat(layer.clientTransactionCount()).isZero();
    }

    @Test
    void nonInviteClientOverUdpCapsRetransmitIntervalAtT2() {
        layer.sendRequest(request("OPTIONS", "z9hG4bKc2"), Hop.of(Transport.UDP, "192.0.2.9", 5062));
        clock.advance(40_000);
        assertThat(sendTimes("OPTIONS")).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 11500L, 15500L, 19500L,
                23500L, 27500L, 31500L);
        assertThat(events).containsExactly("timeout@32000", "terminated@32000");
    }

    @Test
    void nonInviteClientInProceedingRetransmitsEveryT2AndCompletesWithTimerK() {
        SipRequest req = request("REGISTER", "z9hG4bKc3");
        ClientTransaction ct = layer.sendRequest(req, Hop.of(Transport.UDP, "192.0.2.9", 5062));
        clock.advance(100);
        layer.onMessage(response(req, 100), new FakeFlow(Transport.UDP), null);
        assertThat(ct.state()).isEqualTo(TransactionState.PROCEEDING);
        clock.advance(9_900); // now 10000: Timer E fires at 500 in Proceeding, then is reset to T2 (RFC 17.1.2.2)
        assertThat(sendTimes("REGISTER")).containsExactly(0L, 500L, 4500L, 8500L);
        layer.onMessage(response(req, 200), new FakeFlow(Transport.UDP), null);
        assertThat(ct.state()).isEqualTo(TransactionState.COMPLETED);
        layer.onMessage(response(req, 200), new FakeFlow(Transport.UDP), null); // retransmission absorbed
        clock.advance(5_000); // Timer K = T4
        assertThat(ct.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(events).containsExactly("response 100", "response 200", "terminated@15000");
    }

    @Test
    void reliableTransportHasNoRetransmissionsButStillTimesOut() {
        layer.sendRequest(request("OPTIONS", "z9hG4bKc4"), Hop.of(Transport.TCP, "192.0.2.9", 5062));
        clock.advance(40_000);
        assertThat(sendTimes("OPTIONS")).containsExactly(0L);
        assertThat(events).containsExactly("timeout@32000", "terminated@32000");
    }

    @Test
    void inviteClientAcksNon2xxFinalAndAbsorbsItsRetransmission() {
        SipRequest inv = request("INVITE", "z9hG4bKc5");
        ClientTransaction ct = layer.sendRequest(inv, Hop.of(Transport.UDP, "192.0.2.9", 5062));
        layer.onMessage(response(inv, 180), new FakeFlow(Transport.UDP), null);
        clock.advance(5_000);
        assertThat(sendTimes("INVITE")).containsExactly(0L); // Proceeding stops Timer A
        layer.onMessage(response(inv, 486), new FakeFlow(Transport.UDP), null);
        layer.onMessage(response(inv, 486), new FakeFlow(Transport.UDP), null);
        List<SipRequest> acks = sent.stream().map(Sent::message).filter(m -> m instanceof SipRequest r && r.isMethod("ACK"))
                .map(m -> (SipRequest) m).toList();
        assertThat(acks).hasSize(2);
        assertThat(acks.get(0).cseq().method()).isEqualTo("ACK");
        assertThat(acks.get(0).cseq().number()).isEqualTo(1);
        assertThat(acks.get(0).toTag()).isEqualTo("tb");
        assertThat(acks.get(0).topVia().branch()).isEqualTo("z9hG4bKc5");
        assertThat(ct.state()).isEqualTo(TransactionState.COMPLETED);
        clock.advance(32_000); // Timer D
        assertThat(ct.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(events).containsExactly("response 180", "response 486", "terminated@37000");
    }

    @Test
    void inviteClient2xxGoesToAcceptedAndPassesRetransmissionsToTu() {
        SipRequest inv = request("INVITE", "z9hG4bKc6");
        ClientTransaction ct = layer.sendRequest(inv, Hop.of(Transport.UDP, "192.0.2.9", 5062));
        layer.onMessage(response(inv, 200), new FakeFlow(Transport.UDP), null);
        assertThat(ct.state()).isEqualTo(TransactionState.ACCEPTED);
        layer.onMessage(response(inv, 200), new FakeFlow(Transport.UDP), null);
        assertThat(sent.stream().anyMatch(s -> s.message.startLine().startsWith("ACK"))).isFalse();
        clock.advance(32_000); // Timer M
        assertThat(events).containsExactly("response 200", "response 200", "terminated@32000");
        // After termination a late 2xx is stray (the proxy forwards it statelessly).
        layer.onMessage(response(inv, 200), new FakeFlow(Transport.UDP), null);
        assertThat(events).endsWith("stray 200");
    }

    @Test
    void inviteServerOverUdpRetransmitsFinalWithTimerGUntilAckThenTimerI() {
        FakeFlow flow = new FakeFlow(Transport.UDP);
        SipRequest inv = request("INVITE", "z9hG4bKs1");
        layer.onMessage(inv, flow, null);
        assertThat(sendTimes("SIP/2.0 100")).containsExactly(0L);
        layer.onMessage(request("INVITE", "z9hG4bKs1"), flow, null); // retransmission: 100 again, TU not called
        assertThat(sendTimes("SIP/2.0 100")).containsExactly(0L, 0L);
        assertThat(requests).hasSize(1);
        ServerTransaction st = (ServerTransaction) requests.get(0)[0];
        st.sendResponse(response(inv, 486));
        clock.advance(7_600);
        assertThat(sendTimes("SIP/2.0 486")).containsExactly(0L, 500L, 1500L, 3500L, 7500L);
        layer.onMessage(request("INVITE", "z9hG4bKs1"), flow, null); // retransmitted INVITE: 486 again
        assertThat(sendTimes("SIP/2.0 486")).hasSize(6);
        SipRequest ack = request("ACK", "z9hG4bKs1");
        layer.onMessage(ack, flow, null);
        assertThat(st.state()).isEqualTo(TransactionState.CONFIRMED);
        layer.onMessage(request("ACK", "z9hG4bKs1"), flow, null); // absorbed in Confirmed
        clock.advance(5_000); // Timer I = T4
        assertThat(st.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(sendTimes("SIP/2.0 486")).hasSize(6);
        assertThat(events).containsExactly("request INVITE", "terminated@12600");
    }

    @Test
    void inviteServerTimerHWhenAckNeverComes() {
        FakeFlow flow = new FakeFlow(Transport.UDP);
        SipRequest inv = request("INVITE", "z9hG4bKs2");
        layer.onMessage(inv, flow, null);
        ((ServerTransaction) requests.get(0)[0]).sendResponse(response(inv, 404));
        clock.advance(40_000);
        // G: 500, 1000, 2000, 4000, 4000... until H at 32000
        assertThat(sendTimes("SIP/2.0 404")).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 11500L, 15500L, 19500L,
                23500L, 27500L, 31500L);
        assertThat(events).containsExactly("request INVITE", "timeout@32000", "terminated@32000");
    }

    @Test
    void inviteServer2xxIsAcceptedAndAckGoesToTu() {
        FakeFlow flow = new FakeFlow(Transport.TCP);
        SipRequest inv = request("INVITE", "z9hG4bKs3");
        layer.onMessage(inv, flow, null);
        ServerTransaction st = (ServerTransaction) requests.get(0)[0];
        st.sendResponse(response(inv, 200));
        assertThat(st.state()).isEqualTo(TransactionState.ACCEPTED);
        assertThat(st.sendResponse(response(inv, 200)).succeeded()).isTrue(); // 2xx retransmission by the TU
        layer.onMessage(request("INVITE", "z9hG4bKs3"), flow, null); // absorbed, nothing sent
        assertThat(sendTimes("SIP/2.0 200")).hasSize(2);
        layer.onMessage(request("ACK", "z9hG4bK2xxack"), flow, null);
        assertThat(events).contains("ack z9hG4bK2xxack");
        clock.advance(32_000);
        assertThat(st.state()).isEqualTo(TransactionState.TERMINATED);
    }

    @Test
    void nonInviteServerAbsorbsRetransmissionsAndTimerJ() {
        FakeFlow flow = new FakeFlow(Transport.UDP);
        SipRequest reg = request("REGISTER", "z9hG4bKs4");
        layer.onMessage(reg, flow, null);
        layer.onMessage(request("REGISTER", "z9hG4bKs4"), flow, null); // Trying: discarded
        assertThat(sent).isEmpty();
        ServerTransaction st = (ServerTransaction) requests.get(0)[0];
        st.sendResponse(response(reg, 200));
        layer.onMessage(request("REGISTER", "z9hG4bKs4"), flow, null); // Completed: 200 again
        assertThat(sendTimes("SIP/2.0 200")).hasSize(2);
        assertThat(st.sendResponse(response(reg, 500)).failed()).isTrue();
        clock.advance(31_999);
        assertThat(st.state()).isEqualTo(TransactionState.COMPLETED);
        clock.advance(1);
        assertThat(st.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(requests).hasSize(1);
    }

    @Test
    void nonInviteServerOnReliableTransportTerminatesAtOnce() {
        SipRequest opt = request("OPTIONS", "z9hG4bKs5");
        layer.onMessage(opt, new FakeFlow(Transport.TCP), null);
        ServerTransaction st = (ServerTransaction) requests.get(0)[0];
        st.sendResponse(response(opt, 200));
        clock.advance(0);
        assertThat(st.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(layer.serverTransactionCount()).isZero();
    }

    @Test
    void cancelMatchesInviteServerTransaction() {
        FakeFlow flow = new FakeFlow(Transport.UDP);
        layer.onMessage(request("INVITE", "z9hG4bKs6"), flow, null);
        layer.onMessage(request("CANCEL", "z9hG4bKs6"), flow, null);
        layer.onMessage(request("CANCEL", "z9hG4bKother"), flow, null);
        ServerTransaction invite = (ServerTransaction) requests.get(0)[0];
        ServerTransaction cancel = (ServerTransaction) requests.get(1)[0];
        ServerTransaction strayCancel = (ServerTransaction) requests.get(2)[0];
        assertThat(cancel.cancelledInvite()).isSameAs(invite);
        assertThat(strayCancel.cancelledInvite()).isNull();
        assertThat(cancel).isNotSameAs(invite);
    }

    @Test
    void clientCancelWaitsForProvisionalResponse() {
        SipRequest inv = request("INVITE", "z9hG4bKc7");
        ClientTransaction ct = layer.sendRequest(inv, Hop.of(Transport.TCP, "192.0.2.9", 5062));
        assertThat(ct.cancel()).isNull();
        assertThat(sendTimes("CANCEL")).isEmpty();
        clock.advance(200);
        layer.onMessage(response(inv, 180), new FakeFlow(Transport.TCP), null);
        assertThat(sendTimes("CANCEL")).containsExactly(200L);
        SipRequest cancel = (SipRequest) sent.get(sent.size() - 1).message;
        assertThat(cancel.topVia().branch()).isEqualTo("z9hG4bKc7");
        assertThat(cancel.cseq().method()).isEqualTo("CANCEL");
        assertThat(layer.clientTransactionCount()).isEqualTo(2);
    }

    @Test
    void rfc2543RequestsWithoutMagicCookieStillMatch() {
        FakeFlow flow = new FakeFlow(Transport.UDP);
        layer.onMessage(request("OPTIONS", "old1"), flow, null);
        layer.onMessage(request("OPTIONS", "old1"), flow, null);
        assertThat(requests).hasSize(1);
    }

    @Test
    void transportErrorTerminatesClientTransaction() {
        failSends = true;
        ClientTransaction ct = layer.sendRequest(request("OPTIONS", "z9hG4bKc8"), Hop.of(Transport.TCP, "192.0.2.9", 5062));
        assertThat(ct.state()).isEqualTo(TransactionState.TERMINATED);
        assertThat(events).containsExactly("transport-error", "terminated@0");
        assertThat(clock.pending()).isZero();
    }

    @Test
    void newBranchesAreUniqueAndCompliant() {
        String a = Via.newBranch();
        assertThat(a).startsWith("z9hG4bK").isNotEqualTo(Via.newBranch());
    }
}
