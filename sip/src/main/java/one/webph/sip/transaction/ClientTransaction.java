package one.webph.sip.transaction;

import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;

/**
 * INVITE (RFC 3261 17.1.1, with RFC 6026 ACCEPTED) and non-INVITE (17.1.2) client transactions. Retransmits
 * over unreliable transports, generates the ACK for non-2xx final INVITE responses, absorbs response
 * retransmissions. The 2xx ACK is the TU's job (it is end-to-end).
 *
 * <p>Timer C (RFC 3261 16.8, a proxy's 3-minute INVITE guard) is not implemented here: the proxy core owns it
 * and calls {@link #cancel()} when it fires.
 */
public final class ClientTransaction extends Transaction {
    private final Hop hop;
    private SipFlow flow;
    private long retransmitInterval;
    private SipRequest ack;
    private boolean cancelRequested;
    private ClientTransaction cancelTransaction;
    private SipResponse lastResponse;

    ClientTransaction(TransactionLayer layer, String key, SipRequest request, Hop hop) {
        super(layer, key, request, request.isMethod("INVITE") ? TransactionState.CALLING : TransactionState.TRYING);
        this.hop = hop;
    }

    public Hop hop() {
        return hop;
    }

    /** The flow the request went out on (known once sent), or null. */
    public SipFlow flow() {
        return flow;
    }

    public SipResponse lastResponse() {
        return lastResponse;
    }

    @Override
    boolean isReliable() {
        return hop.isReliable();
    }

    void start() {
        transmit();
        if (state == TransactionState.TERMINATED) {
            return; // the send failed synchronously
        }
        if (!isReliable()) {
            retransmitInterval = layer.config.t1();
            schedule(retransmitInterval, this::retransmitTimer); // Timer A or E
        }
        schedule(layer.config.timeout(), this::timeoutTimer); // Timer B or F
    }

    private void transmit() {
        layer.sender.sendRequest(request, flow != null && flow.isOpen() ? Hop.of(flow) : hop).onComplete(ar -> {
            if (ar.succeeded()) {
                flow = ar.result();
            } else if (state != TransactionState.TERMINATED) {
                layer.tu.onTransportError(this, ar.cause());
                terminate();
            }
        });
    }

    private void retransmitTimer() {
        if (state == TransactionState.CALLING || state == TransactionState.TRYING) {
            transmit();
            retransmitInterval = isInvite() ? retransmitInterval * 2 : Math.min(retransmitInterval * 2, layer.config.t2());
            schedule(retransmitInterval, this::retransmitTimer);
        } else if (state == TransactionState.PROCEEDING && !isInvite()) {
            transmit();
            retransmitInterval = layer.config.t2();
            schedule(retransmitInterval, this::retransmitTimer);
        }
    }

    private void timeoutTimer() {
        if (state == TransactionState.CALLING || state == TransactionState.TRYING
                || (state == TransactionState.PROCEEDING && !isInvite())) {
            layer.tu.onTimeout(this);
            terminate();
        }
    }

    void onResponse(SipResponse response) {
        int status = response.status();
        switch (state) {
            case CALLING, TRYING, PROCEEDING -> {
                lastResponse = response;
                if (status < 200) {
                    state = TransactionState.PROCEEDING;
                    layer.tu.onResponse(this, response);
                    if (cancelRequested && cancelTransaction == null) {
                        sendCancel();
                    }
                    return;
                }
                cancelTimers();
                if (!isReliable()) {
                    // waiting only for retransmissions from now on: the messages shrink to their wire form once
                    // the TU is done with them (see SipMessage.compact)
                    schedule(layer.config.t1(), this::compactMessages);
                }
                if (isInvite()) {
                    if (status < 300) {
                        state = TransactionState.ACCEPTED; // RFC 6026 Timer M
                        schedule(layer.config.timeout(), this::terminate);
                    } else {
                        state = TransactionState.COMPLETED;
                        ack = request.createNon2xxAck(response);
                        sendAck();
                        schedule(isReliable() ? 0 : layer.config.timerD(), this::terminate); // Timer D
                    }
                } else {
                    state = TransactionState.COMPLETED;
                    schedule(isReliable() ? 0 : layer.config.t4(), this::terminate); // Timer K
                }
                layer.tu.onResponse(this, response);
            }
            case ACCEPTED -> {
                if (response.isSuccess()) {
                    layer.tu.onResponse(this, response); // 2xx retransmissions / other forks go to the TU
                }
            }
            case COMPLETED -> {
                if (isInvite() && status >= 300) {
                    sendAck(); // retransmitted final response: ACK again, do not bother the TU
                }
            }
            default -> { }
        }
    }

    private void compactMessages() {
        request.compact();
        lastResponse.compact();
        if (ack != null) {
            ack.compact();
        }
    }

    private void sendAck() {
        layer.sender.sendRequest(ack, flow != null && flow.isOpen() ? Hop.of(flow) : hop);
    }

    /**
     * Cancels a pending INVITE (RFC 3261 9.1): the CANCEL is sent once a provisional response has arrived
     * (immediately if one already has). No effect on non-INVITE transactions or after a final response.
     * @return the CANCEL client transaction when sent now, else null
     */
    public ClientTransaction cancel() {
        if (!isInvite() || cancelRequested) {
            return cancelTransaction;
        }
        cancelRequested = true;
        if (state == TransactionState.PROCEEDING) {
            return sendCancel();
        }
        return null;
    }

    public boolean isCancelRequested() {
        return cancelRequested;
    }

    private ClientTransaction sendCancel() {
        cancelTransaction = layer.sendRequest(request.createCancel(), flow != null && flow.isOpen() ? Hop.of(flow) : hop);
        return cancelTransaction;
    }
}
