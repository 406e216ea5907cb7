package one.webph.sip.message;

import java.util.ArrayList;
import java.util.List;

/**
 * One header line of a message, immutable. {@link #name()} is the name as written (e.g. "v" or "VIA"),
 * {@link #key()} the lower-case long form used for lookups, {@link #value()} the value with line folding
 * replaced by spaces and surrounding whitespace removed. A field read from the wire also remembers its exact
 * original text, which the serializer writes back unchanged.
 */
public final class HeaderField {
    private final String name;
    private final String key;
    private final String value;
    private final String raw;

    HeaderField(String name, String key, String value, String raw) {
        this.name = name;
        this.key = key;
        this.value = value;
        this.raw = raw;
    }

    /** A new field with canonical name spelling; written as {@code Name: value}. */
    public static HeaderField of(String name, String value) {
        if (!SipText.isToken(name)) {
            throw new IllegalArgumentException("header name is not a token: " + name);
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("CR/LF in header value");
        }
        return new HeaderField(SipHeaders.canonicalName(name), SipHeaders.key(name), value.strip(), null);
    }

    public String name() {
        return name;
    }

    public String key() {
        return key;
    }

    public String value() {
        return value;
    }

    /**
     * The original line (without trailing CRLF) of a field parsed from the wire when it differs from
     * {@code name + ": " + value} (other spacing, folding), else null: {@link #toLine()} is the wire text either way.
     */
    public String rawLine() {
        return raw;
    }

    /** Values of a comma-list header split at top-level commas; a single element for other headers. */
    public List<String> values() {
        if (!SipHeaders.isList(key)) {
            return List.of(value);
        }
        return splitList(value);
    }

    /** Splits at commas that are outside quoted-strings and angle brackets; empty elements are dropped. */
    public static List<String> splitList(String v) {
        List<String> out = new ArrayList<>(2);
        boolean quoted = false;
        int angle = 0;
        int start = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '<') {
                angle++;
            } else if (c == '>') {
                angle = Math.max(0, angle - 1);
            } else if (c == ',' && angle == 0) {
                addTrimmed(out, v, start, i);
                start = i + 1;
            }
        }
        addTrimmed(out, v, start, v.length());
        return out;
    }

    private static void addTrimmed(List<String> out, String v, int s, int e) {
        String t = v.substring(s, e).strip();
        if (!t.isEmpty()) {
            out.add(t);
        }
    }

    /** The wire text of this field (without CRLF). */
    public String toLine() {
        return raw != null ? raw : name + ": " + value;
    }

    @Override
    public String toString() {
        return toLine();
    }
}
