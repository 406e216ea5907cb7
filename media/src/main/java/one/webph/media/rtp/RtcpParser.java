package one.webph.media.rtp;

import java.util.ArrayList;
import java.util.List;

/** Extracts reception report blocks from a (compound) RTCP packet; other packet types are skipped. */
public final class RtcpParser {
    public static final int SR = 200;
    public static final int RR = 201;

    private RtcpParser() {
    }

    /** Returns the report blocks found; stops quietly at the first malformed packet of the compound. */
    public static List<RtcpReportBlock> reportBlocks(byte[] p, int off, int len) {
        List<RtcpReportBlock> blocks = new ArrayList<>();
        int pos = off;
        int end = off + len;
        while (pos + 8 <= end) {
            if ((p[pos] & 0xC0) != 0x80) {
                break;
            }
            int count = p[pos] & 0x1F;
            int type = p[pos + 1] & 0xFF;
            int words = ((p[pos + 2] & 0xFF) << 8) | (p[pos + 3] & 0xFF);
            int packetEnd = pos + 4 * (words + 1);
            if (packetEnd > end) {
                break;
            }
            long reporter = RtpHeader.readUint32(p, pos + 4);
            int first = type == SR ? pos + 28 : type == RR ? pos + 8 : -1;
            if (first >= 0) {
                for (int i = 0; i < count && first + 24 * (i + 1) <= packetEnd; i++) {
                    int b = first + 24 * i;
                    int cumulative = ((p[b + 5] & 0xFF) << 16) | ((p[b + 6] & 0xFF) << 8) | (p[b + 7] & 0xFF);
                    if ((cumulative & 0x800000) != 0) {
                        cumulative |= 0xFF000000; // sign-extend 24 bits
                    }
                    blocks.add(new RtcpReportBlock(reporter, RtpHeader.readUint32(p, b), p[b + 4] & 0xFF, cumulative,
                            RtpHeader.readUint32(p, b + 8), RtpHeader.readUint32(p, b + 12)));
                }
            }
            pos = packetEnd;
        }
        return blocks;
    }

    /** SSRC of the first packet in a compound RTCP packet (the sender), or -1. */
    public static long senderSsrc(byte[] p, int off, int len) {
        return len >= 8 ? RtpHeader.readUint32(p, off + 4) : -1;
    }
}
