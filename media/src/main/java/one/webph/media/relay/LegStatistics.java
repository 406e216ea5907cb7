package one.webph.media.relay;

/**
 * Counters of one leg. "In" is what the leg's peer sent us, "out" what we sent it. Loss and jitter come from the
 * last RTCP receiver report block the peer sent (how well the peer receives what we forward to it); null until one
 * passed through.
 *
 * @param fractionLost   last reported fraction lost, 0-255 (RFC 3550 units of 1/256)
 * @param cumulativeLost last reported cumulative packets lost
 * @param jitter         last reported interarrival jitter, in RTP timestamp units
 */
public record LegStatistics(String label, LegType type, int localRtpPort, Integer localRtcpPort, String peerAddress,
                            long packetsIn, long bytesIn, long packetsOut, long bytesOut, long rtcpPacketsIn,
                            long rtcpPacketsOut, long dropped, Integer fractionLost, Integer cumulativeLost,
                            Long jitter, boolean srtpReady) {
}
