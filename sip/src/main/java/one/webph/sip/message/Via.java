package one.webph.sip.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import one.webph.sip.parser.SipParseException;

/**
 * One Via header value: {@code SIP/2.0/UDP host:port;branch=z9hG4bK...;received=...;rport=...}.
 * Immutable; {@code with...} methods return copies.
 */
public final class Via {
    /** RFC 3261 branch prefix identifying transaction-id compliant branches. */
    public static final String MAGIC_COOKIE = "z9hG4bK";

    private final String protocolName;
    private final String protocolVersion;
    private final String transport;
    private final String host;
    private final int port;
    private final Parameters params;
    private String text;

    public Via(String protocolName, String protocolVersion, String transport, String host, int port, Parameters params) {
        this.protocolName = protocolName;
        this.protocolVersion = protocolVersion;
        this.transport = transport.toUpperCase(Locale.ROOT);
        this.host = host;
        this.port = port;
        this.params = params == null ? Parameters.EMPTY : params;
    }

    /** A fresh RFC 3261 branch: the magic cookie followed by 128 random bits. */
    public static String newBranch() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return MAGIC_COOKIE + Long.toString(r.nextLong() & Long.MAX_VALUE, 36) + Long.toString(r.nextLong() & Long.MAX_VALUE, 36);
    }

    /** {@code SIP/2.0/<transport> host[:port];branch=<branch>[;rport]}. */
    public static Via of(String transport, String host, int port, String branch, boolean rport) {
        Parameters p = Parameters.EMPTY.with("branch", branch);
        if (rport) {
            p = p.with("rport", null);
        }
        return new Via("SIP", "2.0", transport, host, port, p);
    }

    /**
     * Parses a Via header value that may hold several comma-separated vias.
     * @throws SipParseException when malformed
     */
    public static List<Via> parseList(String value) {
        ValueScanner sc = new ValueScanner(value, "Via");
        List<Via> out = new ArrayList<>(2);
        while (true) {
            out.add(parse(sc));
            sc.skipLws();
            if (sc.atEnd()) {
                return out;
            }
            sc.expect(',');
        }
    }

    /** Parses exactly one via. */
    public static Via parse(String value) {
        List<Via> l = parseList(value);
        if (l.size() != 1) {
            throw new SipParseException("Via: expected one value, got " + l.size());
        }
        return l.get(0);
    }

    private static Via parse(ValueScanner sc) {
        sc.skipLws();
        String name = sc.token();
        if (!sc.separator('/')) {
            throw sc.error("expected '/' in sent-protocol");
        }
        String version = sc.token();
        if (!sc.separator('/')) {
            throw sc.error("expected '/' in sent-protocol");
        }
        String transport = sc.token();
        int before = sc.pos;
        sc.skipLws();
        if (sc.pos == before) {
            throw sc.error("expected whitespace before sent-by");
        }
        String host;
        if (sc.peek() == '[') {
            int close = sc.s.indexOf(']', sc.pos);
            if (close < 0) {
                throw sc.error("unterminated IPv6 reference");
            }
            host = sc.s.substring(sc.pos, close + 1);
            if (!HostNames.isIpv6Reference(host)) {
                throw sc.error("bad IPv6 reference");
            }
            sc.pos = close + 1;
        } else {
            int start = sc.pos;
            while (!sc.atEnd()) {
                char c = sc.peek();
                if (c == ':' || c == ';' || c == ',' || SipText.isWsp(c)) {
                    break;
                }
                sc.pos++;
            }
            host = sc.s.substring(start, sc.pos);
            if (!HostNames.isHostname(host)) {
                throw sc.error("bad sent-by host");
            }
        }
        int port = -1;
        if (sc.separator(':')) {
            port = sc.digitsValue(65535);
        }
        Parameters params = sc.params(true);
        Via v = new Via(name, version, transport, host, port, params);
        v.validate(sc);
        return v;
    }

    private void validate(ValueScanner sc) {
        String received = params.get("received");
        if (params.has("received") && (received == null || !HostNames.isIpAddress(received))) {
            throw sc.error("received is not an IP address");
        }
        if (params.has("rport")) {
            String r = params.get("rport");
            if (r != null && (!Contact.isDigits(r) || r.length() > 5 || Integer.parseInt(r) > 65535)) {
                throw sc.error("bad rport");
            }
        }
        if (params.has("ttl")) {
            String t = params.get("ttl");
            if (!Contact.isDigits(t) || t.length() > 3 || Integer.parseInt(t) > 255) {
                throw sc.error("bad ttl");
            }
        }
        if (params.has("maddr") && (params.get("maddr") == null || !HostNames.isHost(params.get("maddr")))) {
            throw sc.error("bad maddr");
        }
        if (params.has("branch") && params.get("branch") == null) {
            throw sc.error("branch without value");
        }
    }

    public String protocolName() {
        return protocolName;
    }

    public String protocolVersion() {
        return protocolVersion;
    }

    /** Upper-case transport token: UDP, TCP, TLS, WS, WSS, SCTP... */
    public String transport() {
        return transport;
    }

    public String host() {
        return host;
    }

    /** sent-by port, or -1 when absent. */
    public int port() {
        return port;
    }

    /** sent-by port, or the transport default (5061 for TLS/WSS... as per RFC 3261 18.2.2: 5060/5061). */
    public int portOrDefault() {
        if (port >= 0) {
            return port;
        }
        return transport.equals("TLS") ? 5061 : 5060;
    }

    public Parameters params() {
        return params;
    }

    public String param(String name) {
        return params.get(name);
    }

    public String branch() {
        return params.get("branch");
    }

    /** True when the branch starts with the RFC 3261 magic cookie {@code z9hG4bK}. */
    public boolean hasRfc3261Branch() {
        String b = branch();
        return b != null && b.startsWith(MAGIC_COOKIE);
    }

    public String received() {
        return params.get("received");
    }

    public String maddr() {
        return params.get("maddr");
    }

    /** True when an rport parameter is present (with or without value). */
    public boolean hasRport() {
        return params.has("rport");
    }

    /** rport value, or -1 when absent or valueless. */
    public int rport() {
        String r = params.get("rport");
        return r == null ? -1 : Integer.parseInt(r);
    }

    public Via withParam(String name, String rawValue) {
        return new Via(protocolName, protocolVersion, transport, host, port, params.with(name, rawValue));
    }

    public Via withoutParam(String name) {
        return new Via(protocolName, protocolVersion, transport, host, port, params.without(name));
    }

    public Via withReceived(String ip) {
        return withParam("received", ip);
    }

    public Via withRport(int port) {
        return withParam("rport", Integer.toString(port));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Via v && toString().equals(v.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            StringBuilder sb = new StringBuilder(64).append(protocolName).append('/').append(protocolVersion)
                    .append('/').append(transport).append(' ').append(host);
            if (port >= 0) {
                sb.append(':').append(port);
            }
            params.appendTo(sb);
            text = t = sb.toString();
        }
        return t;
    }
}
