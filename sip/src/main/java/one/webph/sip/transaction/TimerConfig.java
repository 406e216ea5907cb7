package one.webph.sip.transaction;

/**
 * RFC 3261 timer base values in milliseconds (section 17, table 4): T1 round-trip estimate (500 ms), T2 maximum
 * retransmit interval for non-INVITE requests and INVITE responses (4 s), T4 maximum time a message stays in the
 * network (5 s).
 */
public record TimerConfig(long t1, long t2, long t4) {
    public static final TimerConfig DEFAULT = new TimerConfig(500, 4000, 5000);

    /** Timers B, F, H, J, L, M: 64*T1. */
    public long timeout() {
        return 64 * t1;
    }

    /** Timer D for unreliable transports: at least 32 s. */
    public long timerD() {
        return Math.max(32_000, 64 * t1);
    }
}
