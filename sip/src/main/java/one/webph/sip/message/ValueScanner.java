package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/**
 * Cursor over one (already unfolded) header value, with the small set of lexical rules the typed header
 * grammars share: LWS, token, quoted-string and generic-param.
 */
final class ValueScanner {
    final String s;
    int pos;
    private final String what;

    ValueScanner(String s, String what) {
        this.s = s;
        this.what = what;
    }

    boolean atEnd() {
        return pos >= s.length();
    }

    char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    void skipLws() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                pos++;
            } else {
                break;
            }
        }
    }

    boolean consume(char c) {
        if (pos < s.length() && s.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    /** Skips LWS, then the given separator, then LWS; false (position restored) when the separator is absent. */
    boolean separator(char c) {
        int save = pos;
        skipLws();
        if (consume(c)) {
            skipLws();
            return true;
        }
        pos = save;
        return false;
    }

    void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    String token() {
        int start = pos;
        while (pos < s.length() && SipText.isToken(s.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("expected a token");
        }
        return s.substring(start, pos);
    }

    /** Reads a quoted-string at the cursor and returns it as written (quotes included). */
    String quotedStringRaw() {
        int start = pos;
        expect('"');
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '\\') {
                if (pos >= s.length()) {
                    break;
                }
                char q = s.charAt(pos++);
                if (q == '\n' || q == '\r') {
                    throw error("CR/LF in quoted-pair");
                }
            } else if (c == '"') {
                return s.substring(start, pos);
            } else if (c == '\r' || c == '\n') {
                throw error("CR/LF in quoted-string");
            }
        }
        throw error("unterminated quoted-string");
    }

    int digitsValue(int max) {
        int start = pos;
        long v = 0;
        while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
            v = v * 10 + (s.charAt(pos) - '0');
            if (v > max) {
                throw error("number too large");
            }
            pos++;
        }
        if (pos == start) {
            throw error("expected digits");
        }
        return (int) v;
    }

    /**
     * Parses {@code *(SEMI generic-param)}: {@code ; name [= (token / host / quoted-string)]}.
     * Stops (without consuming) at end, or at a comma when {@code stopAtComma}.
     */
    Parameters params(boolean stopAtComma) {
        Parameters.Builder b = null;
        while (true) {
            int save = pos;
            skipLws();
            if (atEnd() || (stopAtComma && peek() == ',')) {
                pos = save;
                break;
            }
            if (!consume(';')) {
                throw error("expected ';' before parameter");
            }
            skipLws();
            String name = token();
            String value = null;
            if (separator('=')) {
                if (peek() == '"') {
                    value = quotedStringRaw();
                } else if (peek() == '[') {
                    int start = pos;
                    int end = s.indexOf(']', pos);
                    if (end < 0) {
                        throw error("unterminated IPv6 reference");
                    }
                    pos = end + 1;
                    value = s.substring(start, pos);
                } else {
                    int start = pos;
                    while (pos < s.length() && (SipText.isToken(s.charAt(pos)) || s.charAt(pos) == ':')) {
                        pos++;
                    }
                    if (pos == start) {
                        throw error("empty value for parameter " + name);
                    }
                    value = s.substring(start, pos);
                }
            }
            if (b == null) {
                b = new Parameters.Builder();
            }
            b.add(name, value);
        }
        return b == null ? Parameters.EMPTY : b.build();
    }

    SipParseException error(String msg) {
        return new SipParseException(what + ": " + msg + " at offset " + pos + " in \"" + abbreviate(s) + "\"");
    }

    static String abbreviate(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 120; i++) {
            sb.append(SipText.printable(s.charAt(i)));
        }
        if (s.length() > 120) {
            sb.append("...");
        }
        return sb.toString();
    }
}
