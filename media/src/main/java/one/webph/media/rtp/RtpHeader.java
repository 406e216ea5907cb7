package one.webph.media.rtp;

/** Reads fields of an RTP fixed header (RFC 3550 section 5.1) in place, without copying. */
public final class RtpHeader {
    public static final int MIN_LENGTH = 12;

    private RtpHeader() {
    }

    /** True when the bytes hold at least a version-2 fixed header whose CSRC list and extension fit. */
    public static boolean isValid(byte[] p, int off, int len) {
        return len >= MIN_LENGTH && (p[off] & 0xC0) == 0x80 && headerLength(p, off, len) <= len;
    }

    public static int payloadType(byte[] p, int off) {
        return p[off + 1] & 0x7F;
    }

    public static boolean marker(byte[] p, int off) {
        return (p[off + 1] & 0x80) != 0;
    }

    public static int sequenceNumber(byte[] p, int off) {
        return ((p[off + 2] & 0xFF) << 8) | (p[off + 3] & 0xFF);
    }

    public static long timestamp(byte[] p, int off) {
        return readUint32(p, off + 4);
    }

    public static long ssrc(byte[] p, int off) {
        return readUint32(p, off + 8);
    }

    /** Fixed header + CSRCs + header extension; may exceed len for a malformed packet. */
    public static int headerLength(byte[] p, int off, int len) {
        int cc = p[off] & 0x0F;
        int length = MIN_LENGTH + 4 * cc;
        if ((p[off] & 0x10) != 0) {
            if (length + 4 > len) {
                return Integer.MAX_VALUE;
            }
            int words = ((p[off + length + 2] & 0xFF) << 8) | (p[off + length + 3] & 0xFF);
            length += 4 + 4 * words;
        }
        return length;
    }

    public static long readUint32(byte[] p, int off) {
        return ((long) (p[off] & 0xFF) << 24) | ((p[off + 1] & 0xFF) << 16) | ((p[off + 2] & 0xFF) << 8)
                | (p[off + 3] & 0xFF);
    }
}
