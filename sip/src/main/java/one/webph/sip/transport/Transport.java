package one.webph.sip.transport;

import java.util.Locale;

/** SIP transports handled by {@link SipTransportLayer}. */
public enum Transport {
    UDP(false, false, 5060),
    TCP(true, false, 5060),
    TLS(true, true, 5061),
    /** SIP over WebSocket (RFC 7118). */
    WS(true, false, 80),
    /** SIP over secure WebSocket (RFC 7118). */
    WSS(true, true, 443);

    private final boolean reliable;
    private final boolean secure;
    private final int defaultPort;

    Transport(boolean reliable, boolean secure, int defaultPort) {
        this.reliable = reliable;
        this.secure = secure;
        this.defaultPort = defaultPort;
    }

    /** Reliable transports get no retransmissions (RFC 3261 17). */
    public boolean isReliable() {
        return reliable;
    }

    public boolean isSecure() {
        return secure;
    }

    public boolean isWebSocket() {
        return this == WS || this == WSS;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** Token used in Via sent-protocol and in the {@code transport} URI parameter (lower-cased there). */
    public String viaName() {
        return name();
    }

    /** Maps a Via transport or URI transport parameter (case-insensitive); null when not one of ours. */
    public static Transport fromName(String name) {
        if (name == null) {
            return null;
        }
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "UDP" -> UDP;
            case "TCP" -> TCP;
            case "TLS" -> TLS;
            case "WS" -> WS;
            case "WSS" -> WSS;
            default -> null;
        };
    }
}
