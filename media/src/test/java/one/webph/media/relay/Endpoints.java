package one.webph.media.relay;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import one.webph.media.dtls.DtlsCertificate;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.rtp.PacketKind;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SessionDescription;
import one.webph.media.srtp.SrtpKeys;
import one.webph.media.srtp.SrtpTransformer;
import one.webph.media.stun.IceLiteAgent;
import one.webph.media.stun.StunAttribute;
import one.webph.media.stun.StunMessage;

/** In-process stand-ins for a browser and a plain phone, on loopback UDP sockets. */
final class Endpoints {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final int WAIT_MILLIS = 5000;

    private Endpoints() {
    }

    static byte[] rtp(int seq, long ts, long ssrc, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).put((byte) 0x80).put((byte) 0).putShort((short) seq)
                .putInt((int) ts).putInt((int) ssrc).put(payload).array();
    }

    /** Receiver report about {@code sourceSsrc} with the given jitter. */
    static byte[] receiverReport(long reporter, long sourceSsrc, int fractionLost, long jitter) {
        return ByteBuffer.allocate(32).put((byte) 0x81).put((byte) 201).putShort((short) 7).putInt((int) reporter)
                .putInt((int) sourceSsrc).put((byte) fractionLost).put((byte) 0).put((byte) 0).put((byte) 2)
                .putInt(1000).putInt((int) jitter).putInt(0).putInt(0).array();
    }

    /** A receiving thread sorting datagrams into queues by RFC 7983 class. */
    abstract static class UdpEndpoint implements AutoCloseable {
        final DatagramSocket socket;
        final BlockingQueue<byte[]> stun = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> dtls = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> media = new LinkedBlockingQueue<>();
        final Thread reader;

        UdpEndpoint(int port) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, port));
            socket.setSoTimeout(100);
            reader = new Thread(this::readLoop, "test-endpoint-" + socket.getLocalPort());
            reader.setDaemon(true);
            reader.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void readLoop() {
            byte[] buf = new byte[2048];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    return;
                }
                byte[] data = Arrays.copyOf(p.getData(), p.getLength());
                switch (PacketKind.classify(data, 0, data.length)) {
                    case STUN -> stun.add(data);
                    case DTLS -> onDtls(data);
                    default -> media.add(data);
                }
            }
        }

        void onDtls(byte[] data) {
            dtls.add(data);
        }

        void send(byte[] data, int port) throws IOException {
            socket.send(new DatagramPacket(data, data.length, LOOPBACK, port));
        }

        byte[] awaitMedia() throws InterruptedException {
            byte[] p = media.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            if (p == null) {
                throw new AssertionError("no media within " + WAIT_MILLIS + " ms on port " + port());
            }
            return p;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Plain RTP phone: RTP on an even port, RTCP on the next one. */
    static final class Phone implements AutoCloseable {
        final UdpEndpoint rtp;
        final UdpEndpoint rtcp;

        Phone() throws IOException {
            UdpEndpoint r = null;
            UdpEndpoint c = null;
            for (int attempt = 0; attempt < 50 && c == null; attempt++) {
                r = new UdpEndpoint(0) { };
                if (r.port() % 2 != 0 || r.port() == 65535) {
                    r.close();
                    continue;
                }
                try {
                    c = new UdpEndpoint(r.port() + 1) { };
                } catch (IOException e) {
                    r.close();
                }
            }
            if (c == null) {
                throw new IOException("no even/odd port pair for the test phone");
            }
            rtp = r;
            rtcp = c;
        }

        String sdp(String user) {
            return "v=0\r\no=" + user + " 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    + "m=audio " + rtp.port() + " RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
                    + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
        }

        @Override
        public void close() {
            rtp.close();
            rtcp.close();
        }
    }

    /** WebRTC endpoint: full ICE agent sending checks, DTLS-SRTP, rtcp-mux. */
    static final class Browser extends UdpEndpoint {
        final String ufrag = IceLiteAgent.randomIceString(8);
        final String pwd = IceLiteAgent.randomIceString(24);
        final DtlsCertificate certificate = DtlsCertificate.generate();
        final ExecutorService executor;
        volatile DtlsSrtpEndpoint dtlsEndpoint;
        volatile int relayPort;
        SrtpTransformer srtp;

        Browser(ExecutorService executor) throws IOException {
            super(0);
            this.executor = executor;
        }

        String offer(String setup) {
            return "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                    + "a=msid-semantic: WMS stream\r\n"
                    + "m=audio 9 UDP/TLS/RTP/SAVPF 111 9 0 8 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                    + "a=candidate:1 1 udp 2122260223 127.0.0.1 " + port() + " typ host generation 0\r\n"
                    + "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\na=ice-options:trickle\r\n"
                    + "a=fingerprint:" + certificate.fingerprint() + "\r\na=setup:" + setup + "\r\na=mid:0\r\n"
                    + "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=sendrecv\r\n"
                    + "a=msid:stream track\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
                    + "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
                    + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:126 telephone-event/8000\r\na=ssrc:1111 cname:test\r\n";
        }

        /** Sends a nominating check to the relay port in {@code relaySdp} and waits for the success response. */
        void connectIce(String relaySdp) throws Exception {
            SessionDescription sdp = SessionDescription.parse(relaySdp);
            MediaDescription audio = sdp.audio();
            relayPort = audio.port();
            byte[] tid = StunMessage.newTransactionId();
            byte[] check = StunMessage.builder(StunMessage.BINDING_REQUEST, tid)
                    .add(StunAttribute.USERNAME, audio.iceUfrag() + ":" + ufrag)
                    .addUint32(StunAttribute.PRIORITY, 1853824767L)
                    .addUint64(StunAttribute.ICE_CONTROLLING, 42)
                    .add(StunAttribute.USE_CANDIDATE, new byte[0])
                    .encode(audio.icePwd().getBytes(StandardCharsets.UTF_8), true);
            send(check, relayPort);
            byte[] response = stun.poll(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            if (response == null) {
                throw new AssertionError("no STUN response from relay port " + relayPort);
            }
            StunMessage m = StunMessage.decode(response);
            if (m.type() != StunMessage.BINDING_SUCCESS || !Arrays.equals(m.transactionId(), tid)
                    || !m.integrityValid(audio.icePwd().getBytes(StandardCharsets.UTF_8)) || !m.fingerprintValid()) {
                throw new AssertionError("bad STUN response, error " + m.errorCode());
            }
            if (!m.xorMappedAddress().equals(socket.getLocalSocketAddress())) {
                throw new AssertionError("XOR-MAPPED-ADDRESS " + m.xorMappedAddress());
            }
        }

        /** Runs DTLS against the peer whose SDP is given (our role from its a=setup) and sets up SRTP. */
        SrtpKeys handshake(String peerSdp, int sendPort) throws Exception {
            return handshake(peerSdp, sendPort,
                    DtlsRole.fromPeerSetup(SessionDescription.parse(peerSdp).audio().setup()));
        }

        SrtpKeys handshake(String peerSdp, int sendPort, DtlsRole role) throws Exception {
            SessionDescription sdp = SessionDescription.parse(peerSdp);
            DtlsSrtpEndpoint endpoint = new DtlsSrtpEndpoint(role, certificate, sdp.fingerprintFor(sdp.audio()),
                    executor, bytes -> {
                        try {
                            send(bytes, sendPort);
                        } catch (IOException e) {
                            // closed
                        }
                    });
            dtlsEndpoint = endpoint;
            byte[] early;
            while ((early = dtls.poll()) != null) {
                endpoint.receive(early);
            }
            endpoint.start();
            SrtpKeys keys = endpoint.keys().get(20, TimeUnit.SECONDS);
            srtp = new SrtpTransformer(keys);
            return keys;
        }

        @Override
        void onDtls(byte[] data) {
            DtlsSrtpEndpoint endpoint = dtlsEndpoint;
            if (endpoint != null) {
                endpoint.receive(data);
            } else {
                dtls.add(data);
            }
        }

        @Override
        public void close() {
            if (dtlsEndpoint != null) {
                dtlsEndpoint.close();
            }
            if (srtp != null) {
                srtp.close();
            }
            super.close();
        }
    }
}
