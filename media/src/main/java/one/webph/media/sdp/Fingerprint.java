package one.webph.media.sdp;

import java.util.Locale;

/** {@code a=fingerprint:<hash-func> <XX:XX:...>} (RFC 8122). */
public record Fingerprint(String hashFunction, String value) {

    public static Fingerprint parse(String attributeValue) {
        String[] parts = SdpText.fields(attributeValue);
        if (parts.length != 2) {
            throw new SdpParseException("bad fingerprint: " + attributeValue);
        }
        return new Fingerprint(parts[0].toLowerCase(Locale.ROOT), parts[1].toUpperCase(Locale.ROOT));
    }

    /** Compares ignoring letter case of the hex digits and the hash name. */
    public boolean matches(Fingerprint other) {
        return other != null && hashFunction.equalsIgnoreCase(other.hashFunction) && value.equalsIgnoreCase(other.value);
    }

    @Override
    public String toString() {
        return hashFunction + " " + value;
    }
}
