package one.webph.media.dtls;

import java.io.IOException;
import java.util.Hashtable;
import java.util.Vector;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.srtp.SrtpKeys;
import one.webph.media.srtp.SrtpProfile;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/** BouncyCastle TLS peers configured for DTLS-SRTP (RFC 5764): DTLS 1.2, ECDSA, use_srtp, mutual auth. */
final class SrtpTlsPeers {
    /** Default bound on a handshake, so one whose peer has gone away stops instead of retransmitting forever. */
    static final int HANDSHAKE_TIMEOUT_MILLIS = 20_000;

    private static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    };

    /** Our profile preference (RFC 5764 4.1.2 lets the server pick among the client's). */
    private static final int[] PROFILES = {
        SrtpProfile.AES128_CM_HMAC_SHA1_80.id(), SrtpProfile.AES128_CM_HMAC_SHA1_32.id()
    };

    private SrtpTlsPeers() {
    }

    static TlsCredentialedSigner signer(TlsContext context, BcTlsCrypto crypto, DtlsCertificate certificate)
            throws IOException {
        Certificate chain = new Certificate(new org.bouncycastle.tls.crypto.TlsCertificate[] {
            crypto.createCertificate(certificate.der())
        });
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, certificate.privateKey(),
                chain, new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    /** Checks the peer's leaf certificate against the fingerprint from its SDP (RFC 5763 section 5). */
    static void verifyFingerprint(Certificate peerChain, Fingerprint expected) throws IOException {
        if (peerChain == null || peerChain.isEmpty()) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "peer sent no certificate");
        }
        if (expected == null) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "no fingerprint to verify the peer against");
        }
        byte[] der = peerChain.getCertificateAt(0).getEncoded();
        Fingerprint actual;
        try {
            actual = DtlsCertificate.fingerprint(expected.hashFunction(), der);
        } catch (IllegalArgumentException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, e.getMessage());
        }
        if (!actual.matches(expected)) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "certificate fingerprint does not match SDP");
        }
    }

    static int chooseProfile(UseSRTPData offered) throws IOException {
        if (offered == null) {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "peer did not offer use_srtp");
        }
        for (int ours : PROFILES) {
            for (int theirs : offered.getProtectionProfiles()) {
                if (ours == theirs) {
                    return ours;
                }
            }
        }
        throw new TlsFatalAlert(AlertDescription.handshake_failure, "no common SRTP protection profile");
    }

    static SrtpKeys exportKeys(TlsContext context, int profileId, boolean weAreClient) {
        byte[] material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null,
                2 * (SrtpProfile.MASTER_KEY_LENGTH + SrtpProfile.MASTER_SALT_LENGTH));
        return SrtpKeys.fromExporter(SrtpProfile.fromId(profileId), material, weAreClient);
    }

    /** DTLS server side: requires a client certificate, selects the SRTP profile. */
    static final class Server extends DefaultTlsServer {
        private final BcTlsCrypto crypto;
        private final DtlsCertificate certificate;
        private final Fingerprint expectedPeer;
        private final int handshakeTimeoutMillis;
        private int profileId = -1;
        volatile SrtpKeys keys;

        Server(BcTlsCrypto crypto, DtlsCertificate certificate, Fingerprint expectedPeer, int handshakeTimeoutMillis) {
            super(crypto);
            this.crypto = crypto;
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            this.certificate = certificate;
            this.expectedPeer = expectedPeer;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return handshakeTimeoutMillis;
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return signer(context, crypto, certificate);
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            Vector<?> algorithms = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                    algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            verifyFingerprint(clientCertificate, expectedPeer);
        }

        @Override
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            profileId = chooseProfile(TlsSRTPUtils.getUseSRTPExtension(clientExtensions));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Hashtable getServerExtensions() throws IOException {
            Hashtable extensions = super.getServerExtensions();
            if (extensions == null) {
                extensions = new Hashtable();
            }
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(new int[] {profileId}, new byte[0]));
            return extensions;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keys = exportKeys(context, profileId, false);
        }
    }

    /** DTLS client side: offers both profiles, authenticates with our certificate, verifies the server's. */
    static final class Client extends DefaultTlsClient {
        private final BcTlsCrypto crypto;
        private final DtlsCertificate certificate;
        private final Fingerprint expectedPeer;
        private final int handshakeTimeoutMillis;
        private int profileId = -1;
        volatile SrtpKeys keys;

        Client(BcTlsCrypto crypto, DtlsCertificate certificate, Fingerprint expectedPeer, int handshakeTimeoutMillis) {
            super(crypto);
            this.crypto = crypto;
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            this.certificate = certificate;
            this.expectedPeer = expectedPeer;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return handshakeTimeoutMillis;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Hashtable getClientExtensions() throws IOException {
            Hashtable extensions = super.getClientExtensions();
            if (extensions == null) {
                extensions = new Hashtable();
            }
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(PROFILES, new byte[0]));
            return extensions;
        }

        @Override
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            UseSRTPData selected = TlsSRTPUtils.getUseSRTPExtension(serverExtensions);
            if (selected == null || selected.getProtectionProfiles().length != 1) {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "server must select one SRTP profile");
            }
            profileId = chooseProfile(selected);
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    verifyFingerprint(serverCertificate.getCertificate(), expectedPeer);
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    return signer(context, crypto, certificate);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keys = exportKeys(context, profileId, true);
        }
    }
}
