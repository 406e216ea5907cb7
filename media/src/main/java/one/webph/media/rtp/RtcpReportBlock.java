package one.webph.media.rtp;

/**
 * One reception report block of an RTCP SR or RR (RFC 3550 section 6.4.1), as reported by {@code reporterSsrc}
 * about the source {@code sourceSsrc}.
 *
 * @param fractionLost   fraction lost since the previous report, in 1/256 units
 * @param cumulativeLost cumulative number of packets lost (signed 24-bit)
 * @param jitter         interarrival jitter in timestamp units
 */
public record RtcpReportBlock(long reporterSsrc, long sourceSsrc, int fractionLost, int cumulativeLost,
                              long highestSequence, long jitter) {

    public double fractionLostRatio() {
        return fractionLost / 256.0;
    }
}
