package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/**
 * A challenge (WWW-Authenticate, Proxy-Authenticate) or credentials (Authorization, Proxy-Authorization) value:
 * an auth scheme followed by comma-separated {@code name=value} auth-params. Values keep their quotes in
 * {@link Parameters#getRaw}; {@link #param} unquotes. See {@code one.webph.sip.auth} for Digest computations.
 */
public record AuthHeader(String scheme, Parameters params) {

    public String param(String name) {
        return params.get(name);
    }

    public boolean isDigest() {
        return "Digest".equalsIgnoreCase(scheme);
    }

    /** @throws SipParseException when malformed */
    public static AuthHeader parse(String value) {
        ValueScanner sc = new ValueScanner(value, "auth header");
        sc.skipLws();
        String scheme = sc.token();
        Parameters.Builder b = new Parameters.Builder();
        int before = sc.pos;
        sc.skipLws();
        if (!sc.atEnd() && sc.pos == before) {
            throw sc.error("expected whitespace after scheme");
        }
        while (!sc.atEnd()) {
            String name = sc.token();
            if (!sc.separator('=')) {
                throw sc.error("expected '=' after " + name);
            }
            String v;
            if (sc.peek() == '"') {
                v = sc.quotedStringRaw();
            } else {
                // Deployed clients send unquoted values with '/', ':' or '@' (e.g. uri=sip:x@y): read up to a comma.
                int start = sc.pos;
                while (!sc.atEnd() && sc.peek() != ',' && !SipText.isWsp(sc.peek())) {
                    sc.pos++;
                }
                if (sc.pos == start) {
                    throw sc.error("empty value for " + name);
                }
                v = sc.s.substring(start, sc.pos);
            }
            b.add(name, v);
            sc.skipLws();
            if (sc.atEnd()) {
                break;
            }
            sc.expect(',');
            sc.skipLws();
        }
        return new AuthHeader(scheme, b.build());
    }

    /** Sets a quoted parameter value. */
    public AuthHeader withQuoted(String name, String value) {
        return new AuthHeader(scheme, params.with(name, SipText.quote(value)));
    }

    /** Sets an unquoted (token) parameter value such as algorithm, qop in credentials, nc. */
    public AuthHeader withToken(String name, String value) {
        return new AuthHeader(scheme, params.with(name, value));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(128).append(scheme);
        for (int i = 0; i < params.size(); i++) {
            String name = params.names().get(i);
            sb.append(i == 0 ? " " : ", ").append(name).append('=').append(params.getRaw(name));
        }
        return sb.toString();
    }
}
