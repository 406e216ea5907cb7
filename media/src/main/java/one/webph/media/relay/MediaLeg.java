package one.webph.media.relay;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.rtp.RtcpReportBlock;
import one.webph.media.sdp.Direction;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.srtp.SrtpTransformer;
import one.webph.media.stun.IceLiteAgent;

/**
 * One side of a session: the relay's sockets facing one endpoint and what we know about that endpoint. Every field,
 * counters included, is written only on the session's event loop (plain fields, no atomics on the packet path);
 * {@link #statistics()} is read on that loop too.
 */
final class MediaLeg {
    final String label;
    private final LegType type;
    private String advertisedAddress;

    // sockets (from the session's SocketPool; null once given back)
    SocketPool.Sockets sockets;
    RelaySocket rtpSocket;
    RelaySocket rtcpSocket; // plain legs only
    int rtpPort;
    int rtcpPort;

    // peer as described by its SDP (plain legs)
    InetSocketAddress sdpRtp;
    InetSocketAddress sdpRtcp;
    // peer as learned from traffic: first packet (plain) or ICE (browser)
    InetSocketAddress latchedRtp;
    InetSocketAddress latchedRtcp;
    Direction peerDirection = Direction.SENDRECV;

    // browser legs
    IceLiteAgent ice;
    Fingerprint peerFingerprint;
    String peerSetup;
    /** The browser's last SDP had a BUNDLE group: an answer to it must keep one (RFC 9143 section 7.3). */
    boolean peerBundles;
    DtlsRole dtlsRole = DtlsRole.SERVER;
    DtlsSrtpEndpoint dtls;
    SrtpTransformer srtp;

    long packetsIn;
    long bytesIn;
    long packetsOut;
    long bytesOut;
    long rtcpIn;
    long rtcpOut;
    long dropped;
    RtcpReportBlock lastReport;

    MediaLeg(String label, LegType type) {
        this.label = label;
        this.type = type;
    }

    LegType type() {
        return type;
    }

    String advertisedAddress() {
        return advertisedAddress;
    }

    void setAdvertisedAddress(String address) {
        this.advertisedAddress = address;
    }

    int rtpPort() {
        return rtpPort;
    }

    int rtcpPort() {
        return rtcpPort;
    }

    IceLiteAgent ice() {
        return ice;
    }

    DtlsRole dtlsRole() {
        return dtlsRole;
    }

    /** Where RTP for this leg's peer goes: the latched address, else (plain only) the SDP address. */
    InetSocketAddress rtpTarget() {
        if (latchedRtp != null) {
            return latchedRtp;
        }
        return type == LegType.PLAIN ? sdpRtp : null;
    }

    InetSocketAddress rtcpTarget() {
        if (type == LegType.BROWSER) {
            return rtpTarget(); // rtcp-mux
        }
        return latchedRtcp != null ? latchedRtcp : sdpRtcp;
    }

    /** Sends RTP (or, on a browser leg, muxed RTCP) to the peer; takes ownership of {@code packet}. */
    void sendRtp(ByteBuf packet) {
        InetSocketAddress target = rtpTarget();
        if (target == null || rtpSocket == null) {
            packet.release();
            dropped++;
            return;
        }
        packetsOut++;
        bytesOut += packet.readableBytes();
        rtpSocket.send(packet, target);
    }

    /** Sends RTCP to the peer; takes ownership of {@code packet}. */
    void sendRtcp(ByteBuf packet) {
        InetSocketAddress target = rtcpTarget();
        RelaySocket socket = type == LegType.BROWSER ? rtpSocket : rtcpSocket;
        if (target == null || socket == null) {
            packet.release();
            dropped++;
            return;
        }
        rtcpOut++;
        bytesOut += packet.readableBytes();
        socket.send(packet, target);
    }

    /** Sends a non-media datagram (STUN response, DTLS record) from the RTP socket. */
    void sendRaw(byte[] packet, InetSocketAddress target) {
        if (target != null && rtpSocket != null) {
            rtpSocket.send(packet, target);
        }
    }

    LegStatistics statistics() {
        RtcpReportBlock report = lastReport;
        InetSocketAddress peer = rtpTarget();
        return new LegStatistics(label, type, rtpPort, type == LegType.PLAIN ? rtcpPort : null,
                peer == null ? null : peer.getAddress().getHostAddress() + ":" + peer.getPort(), packetsIn, bytesIn,
                packetsOut, bytesOut, rtcpIn, rtcpOut, dropped,
                report == null ? null : report.fractionLost(), report == null ? null : report.cumulativeLost(),
                report == null ? null : report.jitter(), srtp != null);
    }
}
