package one.webph.media.relay;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.rtp.RtcpReportBlock;
import one.webph.media.sdp.Direction;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.srtp.SrtpTransformer;
import one.webph.media.stun.IceLiteAgent;

/**
 * One side of a session: the relay's sockets facing one endpoint and what we know about that endpoint. All fields
 * except the counters are touched only on the session's event loop.
 */
final class MediaLeg {
    final String label;
    private final LegType type;
    private String advertisedAddress;

    // sockets
    DatagramSocket rtpSocket;
    DatagramSocket rtcpSocket; // plain legs only
    int rtpPort;
    int rtcpPort;

    // peer as described by its SDP (plain legs)
    SocketAddress sdpRtp;
    SocketAddress sdpRtcp;
    // peer as learned from traffic: first packet (plain) or ICE (browser)
    SocketAddress latchedRtp;
    SocketAddress latchedRtcp;
    Direction peerDirection = Direction.SENDRECV;

    // browser legs
    IceLiteAgent ice;
    Fingerprint peerFingerprint;
    String peerSetup;
    DtlsRole dtlsRole = DtlsRole.SERVER;
    DtlsSrtpEndpoint dtls;
    SrtpTransformer srtp;

    final AtomicLong packetsIn = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong packetsOut = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong rtcpIn = new AtomicLong();
    final AtomicLong rtcpOut = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    volatile RtcpReportBlock lastReport;

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
    SocketAddress rtpTarget() {
        if (latchedRtp != null) {
            return latchedRtp;
        }
        return type == LegType.PLAIN ? sdpRtp : null;
    }

    SocketAddress rtcpTarget() {
        if (type == LegType.BROWSER) {
            return rtpTarget(); // rtcp-mux
        }
        return latchedRtcp != null ? latchedRtcp : sdpRtcp;
    }

    void sendRtp(byte[] packet) {
        SocketAddress target = rtpTarget();
        if (target == null || rtpSocket == null) {
            dropped.incrementAndGet();
            return;
        }
        packetsOut.incrementAndGet();
        bytesOut.addAndGet(packet.length);
        rtpSocket.send(Buffer.buffer(packet), target.port(), target.hostAddress());
    }

    void sendRtcp(byte[] packet) {
        SocketAddress target = rtcpTarget();
        DatagramSocket socket = type == LegType.BROWSER ? rtpSocket : rtcpSocket;
        if (target == null || socket == null) {
            dropped.incrementAndGet();
            return;
        }
        rtcpOut.incrementAndGet();
        bytesOut.addAndGet(packet.length);
        socket.send(Buffer.buffer(packet), target.port(), target.hostAddress());
    }

    /** Sends a non-media datagram (STUN response, DTLS record) from the RTP socket. */
    void sendRaw(byte[] packet, SocketAddress target) {
        if (target != null && rtpSocket != null) {
            rtpSocket.send(Buffer.buffer(packet), target.port(), target.hostAddress());
        }
    }

    LegStatistics statistics() {
        RtcpReportBlock report = lastReport;
        SocketAddress peer = rtpTarget();
        return new LegStatistics(label, type, rtpPort, type == LegType.PLAIN ? rtcpPort : null,
                peer == null ? null : peer.hostAddress() + ":" + peer.port(), packetsIn.get(), bytesIn.get(),
                packetsOut.get(), bytesOut.get(), rtcpIn.get(), rtcpOut.get(), dropped.get(),
                report == null ? null : report.fractionLost(), report == null ? null : report.cumulativeLost(),
                report == null ? null : report.jitter(), srtp != null);
    }
}
