package one.webph.sip.message;

import java.util.Locale;
import java.util.Objects;
import one.webph.sip.parser.SipParseException;

/**
 * Immutable sip: / sips: URI (RFC 3261 section 19.1). User, password, parameters and headers are kept in their
 * escaped wire form (so that re-serialisation is exact); {@link #userDecoded()} gives the unescaped user.
 * The host keeps brackets for IPv6 references ({@code [2001:db8::1]}). A missing port is {@code -1}.
 * Modifications ({@code with...}) return new instances.
 */
public final class SipUri implements Uri {
    private final boolean secure;
    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final Parameters params;
    private final String headers;
    private String text;

    public SipUri(boolean secure, String user, String password, String host, int port, Parameters params, String headers) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("SIP URI needs a host");
        }
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("bad port " + port);
        }
        this.secure = secure;
        this.user = user;
        this.password = password;
        this.host = host;
        this.port = port;
        this.params = params == null ? Parameters.EMPTY : params;
        this.headers = headers;
    }

    /** {@code sip:user@host[:port]}; the user is escaped as needed; pass port -1 to omit it. */
    public static SipUri of(String user, String host, int port) {
        return new SipUri(false, user == null ? null : SipText.escapeUser(user), null, host, port, null, null);
    }

    /**
     * Parses a SIP or SIPS URI.
     * @throws SipParseException when malformed
     */
    public static SipUri parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new SipParseException("not a SIP URI: \"" + ValueScanner.abbreviate(text) + "\"");
        }
        String scheme = text.substring(0, colon);
        boolean secure;
        if (scheme.equalsIgnoreCase("sip")) {
            secure = false;
        } else if (scheme.equalsIgnoreCase("sips")) {
            secure = true;
        } else {
            throw new SipParseException("not a SIP URI: \"" + ValueScanner.abbreviate(text) + "\"");
        }
        int p = colon + 1;
        int end = text.length();
        String user = null;
        String password = null;
        // A user part can contain ';', '?', '/' and ',' but never an unescaped '@', so the first '@' ends it.
        int at = text.indexOf('@', p);
        if (at >= 0) {
            String userinfo = text.substring(p, at);
            int pc = userinfo.indexOf(':');
            user = pc < 0 ? userinfo : userinfo.substring(0, pc);
            if (user.isEmpty()) {
                throw bad(text, "empty user");
            }
            String err = SipText.checkEscaped(user, SipText.USER_CLASS);
            if (err != null) {
                throw bad(text, "user part: " + err);
            }
            if (pc >= 0) {
                password = userinfo.substring(pc + 1);
                err = SipText.checkEscaped(password, SipText.PASSWORD_CLASS);
                if (err != null) {
                    throw bad(text, "password: " + err);
                }
            }
            p = at + 1;
        }
        // host
        int hostStart = p;
        String host;
        if (p < end && text.charAt(p) == '[') {
            int close = text.indexOf(']', p);
            if (close < 0) {
                throw bad(text, "unterminated IPv6 reference");
            }
            host = text.substring(p, close + 1);
            if (!HostNames.isIpv6Reference(host)) {
                throw bad(text, "bad IPv6 reference");
            }
            p = close + 1;
        } else {
            while (p < end) {
                char c = text.charAt(p);
                if (c == ':' || c == ';' || c == '?') {
                    break;
                }
                p++;
            }
            host = text.substring(hostStart, p);
            if (!HostNames.isHostname(host)) {
                throw bad(text, "bad host \"" + ValueScanner.abbreviate(host) + "\"");
            }
        }
        int port = -1;
        if (p < end && text.charAt(p) == ':') {
            p++;
            int ps = p;
            long v = 0;
            while (p < end && text.charAt(p) >= '0' && text.charAt(p) <= '9') {
                v = v * 10 + (text.charAt(p) - '0');
                if (v > 65535) {
                    throw bad(text, "port out of range");
                }
                p++;
            }
            if (p == ps) {
                throw bad(text, "empty port");
            }
            port = (int) v;
        }
        int q = text.indexOf('?', p);
        int paramsEnd = q < 0 ? end : q;
        Parameters params = Parameters.EMPTY;
        if (p < paramsEnd) {
            if (text.charAt(p) != ';') {
                throw bad(text, "unexpected character after host");
            }
            params = parseUriParams(text, p, paramsEnd, text);
        }
        String headers = null;
        if (q >= 0) {
            headers = text.substring(q + 1);
            checkHeaders(headers, text);
        }
        SipUri uri = new SipUri(secure, user, password, host, port, params, headers);
        uri.text = text;
        return uri;
    }

    static Parameters parseUriParams(String s, int from, int to, String whole) {
        Parameters.Builder b = new Parameters.Builder();
        int p = from;
        while (p < to) {
            if (s.charAt(p) != ';') {
                throw bad(whole, "expected ';'");
            }
            p++;
            int next = s.indexOf(';', p);
            if (next < 0 || next > to) {
                next = to;
            }
            String param = s.substring(p, next);
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? null : param.substring(eq + 1);
            if (name.isEmpty()) {
                throw bad(whole, "empty parameter name");
            }
            String err = SipText.checkEscaped(name, SipText.PARAM_CLASS);
            if (err == null && value != null) {
                err = value.isEmpty() ? "empty parameter value" : SipText.checkEscaped(value, SipText.PARAM_CLASS);
            }
            if (err != null) {
                throw bad(whole, "parameter: " + err);
            }
            b.add(name, value);
            p = next;
        }
        return b.build();
    }

    private static void checkHeaders(String headers, String whole) {
        if (headers.isEmpty()) {
            throw bad(whole, "empty headers part");
        }
        for (String h : headers.split("&", -1)) {
            int eq = h.indexOf('=');
            if (eq <= 0) {
                throw bad(whole, "header without name or '='");
            }
            String err = SipText.checkEscaped(h.substring(0, eq), SipText.HEADER_CLASS);
            if (err == null) {
                err = SipText.checkEscaped(h.substring(eq + 1), SipText.HEADER_CLASS);
            }
            if (err != null) {
                throw bad(whole, "header: " + err);
            }
        }
    }

    private static SipParseException bad(String text, String why) {
        return new SipParseException("bad SIP URI (" + why + "): \"" + ValueScanner.abbreviate(text) + "\"");
    }

    @Override
    public String scheme() {
        return secure ? "sips" : "sip";
    }

    public boolean isSecure() {
        return secure;
    }

    /** User part in escaped wire form, or null. */
    public String user() {
        return user;
    }

    /** User part with %HH escapes decoded, or null. */
    public String userDecoded() {
        return SipText.unescape(user);
    }

    public String password() {
        return password;
    }

    /** Host name, IPv4 address, or bracketed IPv6 reference. */
    public String host() {
        return host;
    }

    /** Port, or -1 when absent. */
    public int port() {
        return port;
    }

    /** Port, or the default for the scheme / transport (5060, 5061 for sips or transport=tls). */
    public int portOrDefault() {
        if (port >= 0) {
            return port;
        }
        return secure || "tls".equalsIgnoreCase(params.get("transport")) ? 5061 : 5060;
    }

    public Parameters params() {
        return params;
    }

    public String param(String name) {
        return params.get(name);
    }

    public boolean hasParam(String name) {
        return params.has(name);
    }

    /** Lower-cased {@code transport} parameter, or null. */
    public String transportParam() {
        String t = params.get("transport");
        return t == null ? null : t.toLowerCase(Locale.ROOT);
    }

    public boolean isLooseRouting() {
        return params.has("lr");
    }

    /** Raw headers part after '?', or null. */
    public String headers() {
        return headers;
    }

    public SipUri withUser(String rawUser) {
        return new SipUri(secure, rawUser, password, host, port, params, headers);
    }

    public SipUri withHost(String host) {
        return new SipUri(secure, user, password, host, port, params, headers);
    }

    public SipUri withPort(int port) {
        return new SipUri(secure, user, password, host, port, params, headers);
    }

    public SipUri withSecure(boolean secure) {
        return new SipUri(secure, user, password, host, port, params, headers);
    }

    /** Sets a parameter; {@code rawValue} null makes it a flag ({@code ;lr}). */
    public SipUri withParam(String name, String rawValue) {
        return new SipUri(secure, user, password, host, port, params.with(name, rawValue), headers);
    }

    public SipUri withoutParam(String name) {
        return new SipUri(secure, user, password, host, port, params.without(name), headers);
    }

    public SipUri withParams(Parameters params) {
        return new SipUri(secure, user, password, host, port, params, headers);
    }

    public SipUri withHeaders(String rawHeaders) {
        return new SipUri(secure, user, password, host, port, params, rawHeaders);
    }

    /**
     * URI equivalence of RFC 3261 section 19.1.4: case-insensitive scheme/host/parameters, escapes decoded,
     * user/ttl/method/maddr/transport parameters must match when present in either URI, other parameters
     * only when present in both; headers must match.
     */
    public boolean equivalentTo(SipUri o) {
        if (o == null || secure != o.secure || port != o.port || !host.equalsIgnoreCase(o.host)) {
            return false;
        }
        if (!Objects.equals(SipText.unescape(user), SipText.unescape(o.user))
                || !Objects.equals(SipText.unescape(password), SipText.unescape(o.password))) {
            return false;
        }
        for (String must : new String[] {"user", "ttl", "method", "maddr", "transport"}) {
            if (params.has(must) != o.params.has(must) || !eqIgnoreCase(params.get(must), o.params.get(must))) {
                return false;
            }
        }
        for (String name : params.names()) {
            if (o.params.has(name) && !eqIgnoreCase(SipText.unescape(params.get(name)), SipText.unescape(o.params.get(name)))) {
                return false;
            }
        }
        return Objects.equals(headers, o.headers);
    }

    private static boolean eqIgnoreCase(String a, String b) {
        return a == null ? b == null : a.equalsIgnoreCase(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SipUri u && toString().equals(u.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            StringBuilder sb = new StringBuilder(48).append(secure ? "sips:" : "sip:");
            if (user != null) {
                sb.append(user);
                if (password != null) {
                    sb.append(':').append(password);
                }
                sb.append('@');
            }
            sb.append(host);
            if (port >= 0) {
                sb.append(':').append(port);
            }
            params.appendTo(sb);
            if (headers != null) {
                sb.append('?').append(headers);
            }
            text = t = sb.toString();
        }
        return t;
    }
}
