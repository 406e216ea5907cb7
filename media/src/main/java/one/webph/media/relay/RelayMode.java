package one.webph.media.relay;

/** How a session's two legs are bridged. */
public enum RelayMode {
    /** ICE answered on both legs; DTLS and SRTP forwarded unchanged (end-to-end encrypted). */
    BROWSER_BROWSER,
    /** DTLS-SRTP terminated on the caller's (browser) leg, plain RTP to the callee. */
    BROWSER_PLAIN,
    /** Plain RTP from the caller, DTLS-SRTP terminated on the callee's (browser) leg. */
    PLAIN_BROWSER,
    /** Plain RTP both sides, symmetric latching. */
    PLAIN_PLAIN;

    static RelayMode of(LegType caller, LegType callee) {
        if (caller == LegType.BROWSER) {
            return callee == LegType.BROWSER ? BROWSER_BROWSER : BROWSER_PLAIN;
        }
        return callee == LegType.BROWSER ? PLAIN_BROWSER : PLAIN_PLAIN;
    }
}
