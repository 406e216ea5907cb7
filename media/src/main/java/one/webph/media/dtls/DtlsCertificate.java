package one.webph.media.dtls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import one.webph.media.sdp.Fingerprint;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The self-signed ECDSA P-256 certificate a relay presents in DTLS (RFC 5763 section 5: self-signed is fine since
 * the SDP fingerprint authenticates it). Generated once per relay instance.
 */
public final class DtlsCertificate {
    private final byte[] der;
    private final AsymmetricKeyParameter privateKey;
    private final Fingerprint fingerprint;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey) {
        this.der = der;
        this.privateKey = privateKey;
        this.fingerprint = sha256Fingerprint(der);
    }

    public static DtlsCertificate generate() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair pair = gen.generateKeyPair();
            SecureRandom random = new SecureRandom();
            X500Name name = new X500Name("CN=webph.one-media");
            long now = System.currentTimeMillis();
            // Browsers do not check validity of DTLS certificates; a back-dated start absorbs clock skew.
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(63, random).add(BigInteger.ONE), new Date(now - 86_400_000L),
                    new Date(now + 365L * 86_400_000L), name, pair.getPublic());
            byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()))
                    .getEncoded();
            return new DtlsCertificate(der, PrivateKeyFactory.createKey(pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate DTLS certificate", e);
        }
    }

    public byte[] der() {
        return der.clone();
    }

    AsymmetricKeyParameter privateKey() {
        return privateKey;
    }

    /** {@code sha-256 AB:CD:...} for {@code a=fingerprint}. */
    public Fingerprint fingerprint() {
        return fingerprint;
    }

    public static Fingerprint sha256Fingerprint(byte[] der) {
        return fingerprint("sha-256", der);
    }

    /** Fingerprint of a DER certificate with the hash named in SDP (sha-1, sha-256, sha-384, sha-512). */
    public static Fingerprint fingerprint(String hashFunction, byte[] der) {
        String jca = switch (hashFunction.toLowerCase()) {
            case "sha-1" -> "SHA-1";
            case "sha-224" -> "SHA-224";
            case "sha-256" -> "SHA-256";
            case "sha-384" -> "SHA-384";
            case "sha-512" -> "SHA-512";
            default -> throw new IllegalArgumentException("unsupported fingerprint hash " + hashFunction);
        };
        try {
            byte[] digest = MessageDigest.getInstance(jca).digest(der);
            StringBuilder sb = new StringBuilder();
            for (byte b : digest) {
                if (sb.length() > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02X", b & 0xFF));
            }
            return new Fingerprint(hashFunction.toLowerCase(), sb.toString());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
