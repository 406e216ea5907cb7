package one.webph.media.sdp;

/**
 * One {@code <type>=<value>} line of an SDP body. Lines are kept as text so that anything we do not interpret is
 * written back exactly as received and in the same order.
 */
public record SdpLine(char type, String value) {
    public SdpLine {
        if (type < 'a' || type > 'z') {
            throw new SdpParseException("SDP line type must be a lower-case letter: " + type);
        }
        if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new SdpParseException("SDP line value must be a single line");
        }
    }

    /** For {@code a=} lines: the attribute name ({@code rtpmap} of {@code a=rtpmap:0 PCMU/8000}). */
    public String attributeName() {
        int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    /** For {@code a=} lines: the attribute value, or null for a flag attribute such as {@code a=rtcp-mux}. */
    public String attributeValue() {
        int colon = value.indexOf(':');
        return colon < 0 ? null : value.substring(colon + 1);
    }

    public boolean isAttribute(String name) {
        return type == 'a' && attributeName().equals(name);
    }

    public static SdpLine attribute(String name, String value) {
        return new SdpLine('a', value == null ? name : name + ":" + value);
    }

    @Override
    public String toString() {
        return type + "=" + value;
    }
}
