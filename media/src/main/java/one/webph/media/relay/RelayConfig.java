package one.webph.media.relay;

import java.time.Duration;
import java.util.function.LongSupplier;

/** Settings of a {@link MediaRelay}; mutable builder-style, read once by the relay's constructor. */
public final class RelayConfig {
    private int minPort = 30000;
    private int maxPort = 31000;
    private String bindHost = "0.0.0.0";
    private Duration inactivityTimeout = Duration.ofSeconds(60);
    private Duration holdInactivityTimeout = Duration.ofSeconds(3600);
    private Duration checkInterval = Duration.ofSeconds(1);
    private int dtlsThreads = 64;
    private Duration dtlsHandshakeTimeout = Duration.ofSeconds(20);
    private Duration portQuarantine = Duration.ofSeconds(3);
    private LongSupplier clock = () -> System.nanoTime() / 1_000_000;
    private int maxIdlePorts = -1;
    private SessionEndListener endListener = (callId, reason, finalStatistics) -> { };

    public RelayConfig portRange(int min, int max) {
        this.minPort = min;
        this.maxPort = max;
        return this;
    }

    /** Local address sockets bind to (default all interfaces). */
    public RelayConfig bindHost(String host) {
        this.bindHost = host;
        return this;
    }

    public RelayConfig inactivityTimeout(Duration d) {
        this.inactivityTimeout = d;
        return this;
    }

    /** Longer timeout while a leg is on hold (sendonly/recvonly/inactive), when silence is expected. */
    public RelayConfig holdInactivityTimeout(Duration d) {
        this.holdInactivityTimeout = d;
        return this;
    }

    /** How often sessions are checked for inactivity and lost ICE consent. */
    public RelayConfig checkInterval(Duration d) {
        this.checkInterval = d;
        return this;
    }

    /**
     * Most DTLS handshakes run at once (shared by all sessions): BouncyCastle's handshake holds a thread from the
     * peer's first record to the end, so this is also the most threads the handshakes use. More handshakes wait
     * for a free thread (logged); their peers retransmit meanwhile.
     */
    public RelayConfig dtlsThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("dtlsThreads must be at least 1: " + n);
        }
        this.dtlsThreads = n;
        return this;
    }

    /** A DTLS handshake not finished after this fails (DTLS_FAILED), freeing its thread from a silent peer. */
    public RelayConfig dtlsHandshakeTimeout(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("dtlsHandshakeTimeout must be positive: " + d);
        }
        this.dtlsHandshakeTimeout = d;
        return this;
    }

    /**
     * How long a port of an ended call must have received nothing before a new call gets it: the ended call's
     * sockets stay open for reuse (see SocketPool), and a late packet of that call restarts the wait.
     */
    public RelayConfig portQuarantine(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("portQuarantine must not be negative: " + d);
        }
        this.portQuarantine = d;
        return this;
    }

    /** Most ports kept open idle for later calls; default: half the file descriptors left at start (tests). */
    RelayConfig maxIdlePorts(int n) {
        this.maxIdlePorts = n;
        return this;
    }

    int maxIdlePorts() {
        return maxIdlePorts;
    }

    /** Monotonic milliseconds for the port quarantine (tests move it by hand). */
    RelayConfig clock(LongSupplier millis) {
        this.clock = millis;
        return this;
    }

    public RelayConfig endListener(SessionEndListener listener) {
        this.endListener = listener;
        return this;
    }

    public int minPort() {
        return minPort;
    }

    public int maxPort() {
        return maxPort;
    }

    public String bindHost() {
        return bindHost;
    }

    public Duration inactivityTimeout() {
        return inactivityTimeout;
    }

    public Duration holdInactivityTimeout() {
        return holdInactivityTimeout;
    }

    public Duration checkInterval() {
        return checkInterval;
    }

    public int dtlsThreads() {
        return dtlsThreads;
    }

    public Duration dtlsHandshakeTimeout() {
        return dtlsHandshakeTimeout;
    }

    public Duration portQuarantine() {
        return portQuarantine;
    }

    LongSupplier clock() {
        return clock;
    }

    public SessionEndListener endListener() {
        return endListener;
    }
}
