package one.webph.media.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.srtp.SrtpKeys;
import one.webph.media.srtp.SrtpProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DTLS-SRTP handshake between two endpoints over loopback UDP. */
class DtlsSrtpEndpointTest {
    final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    /** A UDP socket on loopback whose received datagrams are fed to an endpoint by a reader thread. */
    final class Side implements AutoCloseable {
        final DatagramSocket socket;
        final DtlsCertificate certificate = DtlsCertificate.generate();
        DtlsSrtpEndpoint endpoint;
        volatile InetSocketAddress peer;

        Side() throws SocketException {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.setSoTimeout(100);
        }

        void start(DtlsRole role, Fingerprint expected) {
            endpoint = new DtlsSrtpEndpoint(role, certificate, expected, executor, bytes -> {
                try {
                    socket.send(new DatagramPacket(bytes, bytes.length, peer));
                } catch (java.io.IOException e) {
                    // test socket closed
                }
            });
            executor.execute(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                        endpoint.receive(Arrays.copyOf(p.getData(), p.getLength()));
                    } catch (SocketTimeoutException e) {
                        // poll again
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            endpoint.start();
        }

        @Override
        public void close() {
            if (endpoint != null) {
                endpoint.close();
            }
            socket.close();
        }
    }

    @Test
    void handshakeAgreesOnSrtpKeysBothWays() throws Exception {
        try (Side server = new Side(); Side client = new Side()) {
            server.peer = (InetSocketAddress) client.socket.getLocalSocketAddress();
            client.peer = (InetSocketAddress) server.socket.getLocalSocketAddress();
            server.start(DtlsRole.SERVER, client.certificate.fingerprint());
            client.start(DtlsRole.CLIENT, server.certificate.fingerprint());
            SrtpKeys serverKeys = server.endpoint.keys().get(20, TimeUnit.SECONDS);
            SrtpKeys clientKeys = client.endpoint.keys().get(20, TimeUnit.SECONDS);
            assertThat(serverKeys.profile()).isEqualTo(SrtpProfile.AES128_CM_HMAC_SHA1_80);
            assertThat(clientKeys.profile()).isEqualTo(serverKeys.profile());
            assertThat(serverKeys.localMasterKey()).hasSize(16).isEqualTo(clientKeys.remoteMasterKey());
            assertThat(serverKeys.localMasterSalt()).hasSize(14).isEqualTo(clientKeys.remoteMasterSalt());
            assertThat(serverKeys.remoteMasterKey()).isEqualTo(clientKeys.localMasterKey());
            assertThat(serverKeys.localMasterKey()).isNotEqualTo(serverKeys.remoteMasterKey());
        }
    }

    @Test
    void wrongFingerprintFailsTheHandshake() throws Exception {
        try (Side server = new Side(); Side client = new Side()) {
            server.peer = (InetSocketAddress) client.socket.getLocalSocketAddress();
            client.peer = (InetSocketAddress) server.socket.getLocalSocketAddress();
            Fingerprint someoneElse = DtlsCertificate.generate().fingerprint();
            server.start(DtlsRole.SERVER, client.certificate.fingerprint());
            client.start(DtlsRole.CLIENT, someoneElse); // the server's certificate will not match
            assertThatThrownBy(() -> client.endpoint.keys().get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(DtlsHandshakeException.class);
            assertThatThrownBy(() -> server.endpoint.keys().get(25, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void certificateFingerprintIsSha256OfDer() throws Exception {
        DtlsCertificate c = DtlsCertificate.generate();
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(c.der());
        assertThat(c.fingerprint().hashFunction()).isEqualTo("sha-256");
        assertThat(c.fingerprint().value().split(":")).hasSize(32);
        assertThat(c.fingerprint().value()).startsWith(String.format("%02X:", digest[0] & 0xFF));
        assertThat(DtlsRole.fromPeerSetup("actpass")).isEqualTo(DtlsRole.SERVER);
        assertThat(DtlsRole.fromPeerSetup("active")).isEqualTo(DtlsRole.SERVER);
        assertThat(DtlsRole.fromPeerSetup("passive")).isEqualTo(DtlsRole.CLIENT);
        assertThat(DtlsRole.SERVER.setupAttribute()).isEqualTo("passive");
        assertThatThrownBy(() -> DtlsRole.fromPeerSetup("bogus")).isInstanceOf(IllegalArgumentException.class);
    }
}
