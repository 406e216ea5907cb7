package one.webph.media.rtp;

/** Demultiplexing of one UDP port by the first byte (RFC 7983 section 7, RFC 5764 section 5.1.2). */
public enum PacketKind {
    STUN, ZRTP, DTLS, TURN_CHANNEL, RTP, RTCP, UNKNOWN;

    public static PacketKind classify(byte[] data, int offset, int length) {
        if (length < 1) {
            return UNKNOWN;
        }
        return classify(length, data[offset] & 0xFF, length < 2 ? -1 : data[offset + 1] & 0xFF);
    }

    /**
     * Same, from the first two bytes (unsigned; {@code secondByte} is ignored unless {@code length >= 2}), so a
     * caller holding the datagram in another kind of buffer need not copy it.
     */
    public static PacketKind classify(int length, int firstByte, int secondByte) {
        if (length < 1) {
            return UNKNOWN;
        }
        int b = firstByte;
        if (b <= 3) {
            return STUN;
        }
        if (b >= 16 && b <= 19) {
            return ZRTP;
        }
        if (b >= 20 && b <= 63) {
            return DTLS;
        }
        if (b >= 64 && b <= 79) {
            return TURN_CHANNEL;
        }
        if (b >= 128 && b <= 191) {
            if (length < 2) {
                return UNKNOWN;
            }
            // RFC 5761 section 4: RTCP packet types 192-223 cannot be RTP payload types 64-95 with the marker bit.
            return secondByte >= 192 && secondByte <= 223 ? RTCP : RTP;
        }
        return UNKNOWN;
    }
}
