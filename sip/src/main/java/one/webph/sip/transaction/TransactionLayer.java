package one.webph.sip.transaction;

import io.vertx.core.net.SocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import one.webph.sip.message.CSeq;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Via;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 3261 section 17 transaction layer. Plug it in as the {@link SipTransportListener} of a
 * {@code SipTransportLayer}; it matches incoming messages to transactions (17.1.3 / 17.2.3, with an RFC 2543
 * fallback for branches without the magic cookie), absorbs retransmissions, runs the timers, and hands the rest
 * to the {@link TransactionUser}.
 *
 * <p>Threading: single-threaded. Every method, the transport callbacks and the timer tasks must run on the same
 * context (the transport layer's core context and a {@link VertxTimerService} on it do exactly that).
 */
public final class TransactionLayer implements SipTransportListener {
    private static final Logger log = LoggerFactory.getLogger(TransactionLayer.class);

    final SipSender sender;
    final TimerService timers;
    final TransactionUser tu;
    final TimerConfig config;
    private final Map<String, ServerTransaction> servers = new HashMap<>();
    private final Map<String, ClientTransaction> clients = new HashMap<>();
    private boolean autoTrying = true;
    /** Requests other than ACK received, and those of them that were retransmissions (event loop only). */
    private long requests;
    private long retransmissions;

    public TransactionLayer(SipSender sender, TimerService timers, TransactionUser tu, TimerConfig config) {
        this.sender = sender;
        this.timers = timers;
        this.tu = tu;
        this.config = config;
    }

    /** Whether INVITE server transactions answer 100 Trying at once (default true, RFC 3261 17.2.1). */
    public TransactionLayer setAutoTrying(boolean autoTrying) {
        this.autoTrying = autoTrying;
        return this;
    }

    public TimerConfig config() {
        return config;
    }

    /** The timers the transactions run on (the TU may schedule its own, e.g. a proxy's Timer C, on them). */
    public TimerService timers() {
        return timers;
    }

    public int serverTransactionCount() {
        return servers.size();
    }

    public int clientTransactionCount() {
        return clients.size();
    }

    /** Requests (ACK excepted) received so far. A peer retransmits when our answer is late: see below. */
    public long requestCount() {
        return requests;
    }

    /**
     * Requests received again for a transaction that exists (absorbed here). Over UDP a client retransmits after
     * T1 without an answer, so their share of {@link #requestCount()} rises when the server falls behind.
     */
    public long retransmissionCount() {
        return retransmissions;
    }

    /** The server transaction a request belongs to (e.g. the INVITE a CANCEL targets), or null. */
    public ServerTransaction findServerTransaction(SipRequest request, String method) {
        return servers.get(serverKey(request, method));
    }

    // ------------------------------------------------------------------ incoming

    @Override
    public void onMessage(SipMessage message, SipFlow flow, SocketAddress source) {
        if (message instanceof SipRequest r) {
            onRequest(r, flow);
        } else {
            onResponse((SipResponse) message, flow);
        }
    }

    @Override
    public void onFlowClosed(SipFlow flow) {
        tu.onFlowClosed(flow);
    }

    private void onRequest(SipRequest r, SipFlow flow) {
        String method = r.method();
        if (method.equals(SipMethod.ACK)) {
            ServerTransaction st = servers.get(serverKey(r, SipMethod.INVITE));
            if (st != null && st.onAck(r)) {
                return;
            }
            tu.onAck(r, flow);
            return;
        }
        requests++;
        String key = serverKey(r, method);
        ServerTransaction existing = servers.get(key);
        if (existing != null) {
            retransmissions++;
            existing.onRetransmission();
            return;
        }
        ServerTransaction st = new ServerTransaction(this, key, r, flow);
        servers.put(key, st);
        if (method.equals(SipMethod.CANCEL)) {
            st.setCancelledInvite(servers.get(serverKey(r, SipMethod.INVITE)));
        }
        if (method.equals(SipMethod.INVITE) && autoTrying) {
            st.sendResponse(r.createResponse(100));
        }
        tu.onRequest(st, r);
    }

    private void onResponse(SipResponse r, SipFlow flow) {
        Via top = r.topVia();
        CSeq cseq = r.cseq();
        ClientTransaction ct = top == null || top.branch() == null ? null : clients.get(clientKey(top.branch(), cseq.method()));
        if (ct == null) {
            tu.onStrayResponse(r, flow);
            return;
        }
        ct.onResponse(r);
    }

    // ------------------------------------------------------------------ outgoing

    /**
     * Starts a client transaction for a request whose top Via (with a unique branch) the caller has set, e.g.
     * with {@code transport.newVia(...)}. An ACK is sent without a transaction (2xx ACKs are end-to-end) and
     * null is returned.
     */
    public ClientTransaction sendRequest(SipRequest request, Hop hop) {
        Via top = request.topVia();
        if (top == null || top.branch() == null) {
            throw new IllegalArgumentException("request needs a top Via with a branch");
        }
        if (request.isMethod(SipMethod.ACK)) {
            sender.sendRequest(request, hop).onFailure(e -> log.debug("ACK send failed: {}", e.toString()));
            return null;
        }
        String key = clientKey(top.branch(), request.method());
        if (clients.containsKey(key)) {
            throw new IllegalStateException("client transaction " + key + " already exists");
        }
        ClientTransaction ct = new ClientTransaction(this, key, request, hop);
        clients.put(key, ct);
        ct.start();
        return ct;
    }

    void removed(Transaction t) {
        if (t instanceof ServerTransaction) {
            servers.remove(t.key(), t);
        } else {
            clients.remove(t.key(), t);
        }
        tu.onTerminated(t);
    }

    // ------------------------------------------------------------------ keys

    private static String clientKey(String branch, String method) {
        return branch + "|" + method;
    }

    /**
     * RFC 3261 17.2.3: branch + sent-by + method (ACK and CANCEL matched against INVITE by passing "INVITE").
     * Without the magic cookie (RFC 2543 peers), Call-ID, From tag, CSeq number and the top Via stand in.
     */
    static String serverKey(SipRequest r, String method) {
        Via top = r.topVia();
        String sentBy = top.host().toLowerCase(Locale.ROOT) + ":" + top.portOrDefault();
        if (top.hasRfc3261Branch()) {
            return top.branch() + "|" + sentBy + "|" + method;
        }
        return "2543|" + r.callId() + "|" + r.fromTag() + "|" + r.cseq().number() + "|" + sentBy + "|"
                + top.branch() + "|" + method;
    }
}
