package one.webph.sip.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import one.webph.sip.parser.SipParseException;

/**
 * A name-addr or addr-spec with header parameters, as found in From, To, Contact, Route, Record-Route,
 * Path, Refer-To...: {@code "Display Name" <sip:user@host;uri-param>;header-param=value}.
 * Immutable; {@code with...} methods return copies.
 */
public final class NameAddress {
    private final String displayNameRaw;
    private final Uri uri;
    private final Parameters params;
    private final boolean angleBrackets;

    private NameAddress(String displayNameRaw, Uri uri, Parameters params, boolean angleBrackets) {
        this.displayNameRaw = displayNameRaw;
        this.uri = Objects.requireNonNull(uri, "uri");
        this.params = params == null ? Parameters.EMPTY : params;
        this.angleBrackets = angleBrackets || displayNameRaw != null;
    }

    /** {@code <uri>} without display name or parameters. */
    public static NameAddress of(Uri uri) {
        return new NameAddress(null, uri, Parameters.EMPTY, true);
    }

    /** {@code "displayName" <uri>}; the display name is quoted as needed; null for none. */
    public static NameAddress of(String displayName, Uri uri) {
        return new NameAddress(displayName == null ? null : SipText.quote(displayName), uri, Parameters.EMPTY, true);
    }

    /**
     * Parses one name-addr / addr-spec with parameters.
     * @throws SipParseException when malformed
     */
    public static NameAddress parse(String value) {
        ValueScanner sc = new ValueScanner(value, "address");
        NameAddress na = parse(sc, false);
        sc.skipLws();
        if (!sc.atEnd()) {
            throw sc.error("trailing characters");
        }
        return na;
    }

    /** Parses a comma-separated list of addresses (Route, Record-Route, Path...). */
    public static List<NameAddress> parseList(String value) {
        ValueScanner sc = new ValueScanner(value, "address list");
        List<NameAddress> out = new ArrayList<>(2);
        while (true) {
            out.add(parse(sc, true));
            sc.skipLws();
            if (sc.atEnd()) {
                return out;
            }
            sc.expect(',');
        }
    }

    static NameAddress parse(ValueScanner sc, boolean inList) {
        sc.skipLws();
        String display = null;
        boolean angle = false;
        if (sc.peek() == '"') {
            display = sc.quotedStringRaw();
            sc.skipLws();
            if (sc.peek() != '<') {
                throw sc.error("expected '<' after display name");
            }
        } else if (sc.peek() != '<') {
            // Either "token token <uri>" or an addr-spec: look ahead for '<' after tokens and LWS.
            int save = sc.pos;
            int lastTokenEnd = -1;
            while (!sc.atEnd()) {
                char c = sc.peek();
                if (SipText.isToken(c)) {
                    sc.pos++;
                    lastTokenEnd = sc.pos;
                } else if (c == ' ' || c == '\t') {
                    sc.pos++;
                } else {
                    break;
                }
            }
            if (sc.peek() == '<' && lastTokenEnd > 0) {
                display = sc.s.substring(save, lastTokenEnd);
            } else {
                sc.pos = save;
            }
        }
        Uri uri;
        if (sc.peek() == '<') {
            sc.pos++;
            int close = sc.s.indexOf('>', sc.pos);
            if (close < 0) {
                throw sc.error("missing '>'");
            }
            String text = sc.s.substring(sc.pos, close);
            if (text.isEmpty() || SipText.isWsp(text.charAt(0)) || SipText.isWsp(text.charAt(text.length() - 1))) {
                throw sc.error("whitespace inside <>");
            }
            uri = Uri.parse(text);
            sc.pos = close + 1;
            angle = true;
        } else {
            int start = sc.pos;
            while (!sc.atEnd()) {
                char c = sc.peek();
                if (c == ';' || c == ' ' || c == '\t' || (inList && c == ',')) {
                    break;
                }
                sc.pos++;
            }
            String text = sc.s.substring(start, sc.pos);
            if (text.isEmpty()) {
                throw sc.error("missing address");
            }
            // RFC 3261 20: an addr-spec whose URI contains ',', '?' or ';' must be written as name-addr.
            if (text.indexOf('?') >= 0 || text.indexOf(',') >= 0) {
                throw sc.error("URI with headers or comma must be enclosed in <>");
            }
            uri = Uri.parse(text);
        }
        Parameters params = sc.params(inList);
        return new NameAddress(display, uri, params, angle);
    }

    /** Display name without quotes and quoted-pair escapes, or null. */
    public String displayName() {
        if (displayNameRaw == null) {
            return null;
        }
        return displayNameRaw.startsWith("\"") ? Parameters.unquote(displayNameRaw) : displayNameRaw;
    }

    public Uri uri() {
        return uri;
    }

    /** The URI when it is a sip:/sips: URI, otherwise null. */
    public SipUri sipUri() {
        return uri instanceof SipUri s ? s : null;
    }

    public Parameters params() {
        return params;
    }

    public String param(String name) {
        return params.get(name);
    }

    public String tag() {
        return params.get("tag");
    }

    public NameAddress withTag(String tag) {
        return withParam("tag", tag);
    }

    public NameAddress withParam(String name, String rawValue) {
        return new NameAddress(displayNameRaw, uri, params.with(name, rawValue), angleBrackets);
    }

    public NameAddress withoutParam(String name) {
        return new NameAddress(displayNameRaw, uri, params.without(name), angleBrackets);
    }

    public NameAddress withUri(Uri uri) {
        return new NameAddress(displayNameRaw, uri, params, true);
    }

    public NameAddress withParams(Parameters params) {
        return new NameAddress(displayNameRaw, uri, params, angleBrackets);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NameAddress n && toString().equals(n.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64);
        if (displayNameRaw != null) {
            sb.append(displayNameRaw).append(' ');
        }
        // Always bracket URIs that would otherwise be ambiguous with header parameters.
        boolean brackets = angleBrackets || !params.isEmpty() && uri.toString().indexOf(';') >= 0
                || uri.toString().indexOf('?') >= 0 || uri.toString().indexOf(',') >= 0;
        if (brackets) {
            sb.append('<').append(uri).append('>');
        } else {
            sb.append(uri);
        }
        params.appendTo(sb);
        return sb.toString();
    }
}
