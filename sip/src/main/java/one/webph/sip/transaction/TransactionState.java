package one.webph.sip.transaction;

/** States of the RFC 3261 section 17 machines, plus ACCEPTED from RFC 6026. */
public enum TransactionState {
    /** INVITE client: request sent, nothing received. */
    CALLING,
    /** Non-INVITE client and server: request sent/received, no response yet. */
    TRYING,
    PROCEEDING,
    COMPLETED,
    /** INVITE server: ACK for a non-2xx final response received. */
    CONFIRMED,
    /** RFC 6026: a 2xx to an INVITE was sent/received; absorbs INVITE retransmissions, lets 2xx and ACK pass. */
    ACCEPTED,
    TERMINATED
}
