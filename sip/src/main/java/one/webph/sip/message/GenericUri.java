package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/** Any absolute URI whose scheme this stack does not interpret (http:, urn:, isbn:, ...). Kept verbatim. */
public record GenericUri(String scheme, String text) implements Uri {

    static GenericUri parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new SipParseException("URI without scheme");
        }
        for (int i = 0; i < colon; i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
            if (!ok) {
                throw new SipParseException("illegal URI scheme: \"" + ValueScanner.abbreviate(text) + "\"");
            }
        }
        if (colon == text.length() - 1) {
            throw new SipParseException("empty URI after scheme");
        }
        for (int i = colon + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"') {
                throw new SipParseException("illegal character in URI: \"" + ValueScanner.abbreviate(text) + "\"");
            }
        }
        return new GenericUri(text.substring(0, colon).toLowerCase(java.util.Locale.ROOT), text);
    }

    @Override
    public String toString() {
        return text;
    }
}
