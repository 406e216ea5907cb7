package one.webph.sip.transaction;

import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;

/**
 * The layer above transactions (a proxy core, registrar...). All callbacks run on the transaction layer's
 * context.
 */
public interface TransactionUser {

    /**
     * A new request created a server transaction: the TU must eventually answer with
     * {@link ServerTransaction#sendResponse}. For CANCEL, {@link ServerTransaction#cancelledInvite()} is the
     * matching INVITE server transaction (RFC 3261 9.2), or null (answer 481).
     */
    void onRequest(ServerTransaction transaction, SipRequest request);

    /**
     * An ACK that belongs to no server transaction in COMPLETED state: the ACK for a 2xx (end-to-end, RFC 3261
     * 17.1.1.3 / 13.2.2.4), or an ACK arriving in the RFC 6026 ACCEPTED state. Proxies forward it statelessly.
     */
    void onAck(SipRequest ack, SipFlow flow);

    /** A response for a client transaction (provisional, and final including 2xx retransmissions in ACCEPTED). */
    void onResponse(ClientTransaction transaction, SipResponse response);

    /** A response matching no client transaction (a proxy forwards stray 2xx statelessly, RFC 3261 16.7). */
    default void onStrayResponse(SipResponse response, SipFlow flow) { }

    /**
     * Timer B/F fired on a client transaction (treat as 408), or Timer H on an INVITE server transaction
     * (the ACK never came).
     */
    void onTimeout(Transaction transaction);

    /** Sending failed (connection refused, closed flow...): for a client transaction treat as 503. */
    void onTransportError(Transaction transaction, Throwable cause);

    default void onTerminated(Transaction transaction) { }

    /** Forwarded from the transport: a connection closed (drop registrations bound to it). */
    default void onFlowClosed(SipFlow flow) { }
}
