package one.webph.media.relay;

/** Why a session ended on the relay's own initiative (reported to {@link SessionEndListener}). */
public enum EndReason {
    /** No media (or STUN) for the inactivity timeout. */
    INACTIVITY,
    /** A browser leg stopped sending valid ICE checks for 30 s (RFC 7675 consent freshness). */
    CONSENT_LOST,
    /** The DTLS-SRTP handshake on a browser leg failed (alert, fingerprint mismatch, timeout). */
    DTLS_FAILED,
    /** The relay was closed. */
    RELAY_CLOSED
}
