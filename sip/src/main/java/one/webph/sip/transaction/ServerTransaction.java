package one.webph.sip.transaction;

import io.vertx.core.Future;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;

/**
 * INVITE (RFC 3261 17.2.1, with RFC 6026 ACCEPTED) and non-INVITE (17.2.2) server transactions. Request
 * retransmissions are absorbed here and answered with the last response; the TU sees each request once.
 */
public final class ServerTransaction extends Transaction {
    private final SipFlow flow;
    private SipResponse lastResponse;
    private ServerTransaction cancelledInvite;
    private long retransmitInterval;

    ServerTransaction(TransactionLayer layer, String key, SipRequest request, SipFlow flow) {
        super(layer, key, request, request.isMethod("INVITE") ? TransactionState.PROCEEDING : TransactionState.TRYING);
        this.flow = flow;
    }

    /** The flow the request arrived on (responses go back on it). */
    public SipFlow flow() {
        return flow;
    }

    public SipResponse lastResponse() {
        return lastResponse;
    }

    /** For a CANCEL transaction: the INVITE server transaction it cancels, or null when none matched. */
    public ServerTransaction cancelledInvite() {
        return cancelledInvite;
    }

    void setCancelledInvite(ServerTransaction invite) {
        this.cancelledInvite = invite;
    }

    @Override
    boolean isReliable() {
        return flow.transport().isReliable();
    }

    /**
     * Sends a response and advances the state machine. Ignored (failed future) once a final response was sent,
     * except 2xx retransmissions for INVITE in the ACCEPTED state (RFC 6026 7.1), which are sent.
     */
    public Future<Void> sendResponse(SipResponse response) {
        int status = response.status();
        switch (state) {
            case TRYING, PROCEEDING -> { }
            case ACCEPTED -> {
                if (!response.isSuccess()) {
                    return Future.failedFuture("final response already sent");
                }
                return send(response);
            }
            default -> {
                return Future.failedFuture("transaction " + key + " is " + state);
            }
        }
        lastResponse = response;
        if (status < 200) {
            state = TransactionState.PROCEEDING;
            return send(response);
        }
        Future<Void> f = send(response);
        // Final: from now on the transaction only absorbs retransmissions (up to 32 s over UDP); the parsed
        // header forms are not needed for that and are most of what a waiting transaction would hold. Once the TU
        // is done with the messages too, they shrink to their wire form (see SipMessage.compact).
        request.dropParsedHeaders();
        response.dropParsedHeaders();
        if (!isReliable()) {
            schedule(layer.config.t1(), this::compactMessages);
        }
        long timeout = layer.config.timeout();
        if (isInvite()) {
            if (status < 300) {
                // RFC 6026: stay to absorb INVITE retransmissions and let 2xx retransmissions / ACKs through.
                state = TransactionState.ACCEPTED;
                schedule(timeout, this::terminate); // Timer L
            } else {
                state = TransactionState.COMPLETED;
                if (!isReliable()) {
                    retransmitInterval = layer.config.t1();
                    schedule(retransmitInterval, this::timerG);
                }
                schedule(timeout, this::timerH);
            }
        } else {
            state = TransactionState.COMPLETED;
            schedule(isReliable() ? 0 : timeout, this::terminate); // Timer J
        }
        return f;
    }

    private void compactMessages() {
        request.compact();
        lastResponse.compact();
    }

    private Future<Void> send(SipResponse response) {
        return layer.sender.sendResponse(response, flow).onFailure(e -> {
            if (state != TransactionState.TERMINATED) {
                layer.tu.onTransportError(this, e);
                terminate();
            }
        });
    }

    private void timerG() {
        if (state != TransactionState.COMPLETED) {
            return;
        }
        send(lastResponse);
        retransmitInterval = Math.min(retransmitInterval * 2, layer.config.t2());
        schedule(retransmitInterval, this::timerG);
    }

    private void timerH() {
        if (state == TransactionState.COMPLETED) {
            layer.tu.onTimeout(this);
            terminate();
        }
    }

    /** A retransmission of the request arrived. */
    void onRetransmission() {
        if (lastResponse != null && (state == TransactionState.PROCEEDING || state == TransactionState.COMPLETED)) {
            send(lastResponse);
        }
        // TRYING: discard (RFC 17.2.2); ACCEPTED: absorbed (RFC 6026 7.1); CONFIRMED: absorbed.
    }

    /** An ACK matching this INVITE transaction arrived. Returns true when absorbed here. */
    boolean onAck(SipRequest ack) {
        if (state == TransactionState.COMPLETED) {
            state = TransactionState.CONFIRMED;
            cancelTimers();
            schedule(isReliable() ? 0 : layer.config.t4(), this::terminate); // Timer I
            return true;
        }
        return state == TransactionState.CONFIRMED;
    }
}
