package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/**
 * An absolute URI as used in Request-URIs and name-addr / addr-spec values:
 * {@link SipUri} (sip:, sips:), {@link TelUri} (tel:) or an opaque {@link GenericUri} for any other scheme.
 * {@link #toString()} is the wire form.
 */
public sealed interface Uri permits SipUri, TelUri, GenericUri {
    /** Lower-case scheme name. */
    String scheme();

    /**
     * Parses an absolute URI (no surrounding angle brackets, no whitespace).
     * @throws SipParseException when malformed
     */
    static Uri parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new SipParseException("URI without scheme: \"" + ValueScanner.abbreviate(text) + "\"");
        }
        String scheme = text.substring(0, colon);
        if (scheme.equalsIgnoreCase("sip") || scheme.equalsIgnoreCase("sips")) {
            return SipUri.parse(text);
        }
        if (scheme.equalsIgnoreCase("tel")) {
            return TelUri.parse(text);
        }
        return GenericUri.parse(text);
    }
}
