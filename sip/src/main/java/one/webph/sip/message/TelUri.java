package one.webph.sip.message;

import java.util.Locale;
import one.webph.sip.parser.SipParseException;

/**
 * RFC 3966 tel: URI. {@link #number()} is the number as written (may contain visual separators);
 * {@link #digits()} strips them.
 */
public final class TelUri implements Uri {
    private final String number;
    private final Parameters params;

    public TelUri(String number, Parameters params) {
        this.number = number;
        this.params = params == null ? Parameters.EMPTY : params;
    }

    static TelUri parse(String text) {
        String rest = text.substring(4);
        int semi = rest.indexOf(';');
        String number = semi < 0 ? rest : rest.substring(0, semi);
        if (number.isEmpty()) {
            throw new SipParseException("empty tel: number");
        }
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || "+-.()*#".indexOf(c) >= 0 || SipText.isHex(c);
            if (!ok) {
                throw new SipParseException("illegal character in tel: number \"" + ValueScanner.abbreviate(text) + "\"");
            }
        }
        Parameters params = Parameters.EMPTY;
        if (semi >= 0) {
            params = SipUri.parseUriParams(rest, semi, rest.length(), text);
        }
        return new TelUri(number, params);
    }

    @Override
    public String scheme() {
        return "tel";
    }

    public String number() {
        return number;
    }

    /** The number without visual separators, keeping a leading '+'. */
    public String digits() {
        StringBuilder sb = new StringBuilder(number.length());
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c != '-' && c != '.' && c != '(' && c != ')') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    public boolean isGlobal() {
        return number.startsWith("+");
    }

    public Parameters params() {
        return params;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TelUri t && digits().equalsIgnoreCase(t.digits()) && params.equals(t.params);
    }

    @Override
    public int hashCode() {
        return digits().toLowerCase(Locale.ROOT).hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tel:").append(number);
        params.appendTo(sb);
        return sb.toString();
    }
}
