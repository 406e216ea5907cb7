package one.webph.media.ng;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A plain RTP phone on loopback: RTP on an even port, RTCP on the next; blocking receive with a timeout. */
final class TestPhone implements AutoCloseable {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    final DatagramSocket rtp;
    final DatagramSocket rtcp;

    TestPhone() throws IOException {
        DatagramSocket r = null;
        DatagramSocket c = null;
        for (int attempt = 0; attempt < 50 && c == null; attempt++) {
            r = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            if (r.getLocalPort() % 2 != 0 || r.getLocalPort() == 65535) {
                r.close();
                continue;
            }
            try {
                c = new DatagramSocket(new InetSocketAddress(LOOPBACK, r.getLocalPort() + 1));
            } catch (IOException e) {
                r.close();
            }
        }
        if (c == null) {
            throw new IOException("no even/odd port pair for the test phone");
        }
        rtp = r;
        rtcp = c;
        rtp.setSoTimeout(5000);
    }

    String sdp(String user) {
        return "v=0\r\no=" + user + " 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + rtp.getLocalPort() + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
                + "a=sendrecv\r\n";
    }

    static byte[] rtpPacket(int seq, long timestamp, long ssrc, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).put((byte) 0x80).put((byte) 0).putShort((short) seq)
                .putInt((int) timestamp).putInt((int) ssrc).put(payload).array();
    }

    void sendRtp(byte[] packet, int port) throws IOException {
        rtp.send(new DatagramPacket(packet, packet.length, LOOPBACK, port));
    }

    /** Next RTP datagram, or an AssertionError after the socket timeout. */
    byte[] receiveRtp() throws IOException {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            rtp.receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no RTP within " + rtp.getSoTimeout() + " ms on port " + rtp.getLocalPort());
        }
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Override
    public void close() {
        rtp.close();
        rtcp.close();
    }
}
