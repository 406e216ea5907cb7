package one.webph.media.ng;

/** An NG request that failed: an error reply from the relay, no reply at all, or a reply we cannot read. */
public final class NgException extends RuntimeException {
    private final boolean timeout;

    public NgException(String message) {
        this(message, false);
    }

    NgException(String message, boolean timeout) {
        super(message);
        this.timeout = timeout;
    }

    /** True when the relay never answered (all retransmissions timed out). */
    public boolean isTimeout() {
        return timeout;
    }
}
