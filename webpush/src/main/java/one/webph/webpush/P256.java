package one.webph.webpush;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * NIST P-256 helpers on top of the JDK's SunEC provider: the raw key encodings Web Push uses (65-byte uncompressed
 * point, 32-byte private scalar), key generation and ECDH.
 */
public final class P256 {
    /** Length of an uncompressed point: 0x04 || X (32) || Y (32). */
    public static final int PUBLIC_KEY_LENGTH = 65;
    public static final int PRIVATE_KEY_LENGTH = 32;
    private static final int COORDINATE_LENGTH = 32;

    private static final ECParameterSpec PARAMS;
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            PARAMS = parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private P256() {
    }

    public static ECParameterSpec params() {
        return PARAMS;
    }

    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 key generation is unavailable in this JDK", e);
        }
    }

    /** Encodes a public key as the 65-byte uncompressed point (SEC1 2.3.3). */
    public static byte[] encodePublicKey(ECPublicKey key) {
        byte[] out = new byte[PUBLIC_KEY_LENGTH];
        out[0] = 0x04;
        writeFixed(key.getW().getAffineX(), out, 1);
        writeFixed(key.getW().getAffineY(), out, 1 + COORDINATE_LENGTH);
        return out;
    }

    /**
     * Decodes a 65-byte uncompressed point and checks it lies on P-256; a point off the curve would leak key bits
     * through ECDH (invalid-curve attack), and it comes from a browser, so it is untrusted.
     */
    public static ECPublicKey decodePublicKey(byte[] encoded) {
        if (encoded == null || encoded.length != PUBLIC_KEY_LENGTH || encoded[0] != 0x04) {
            throw new IllegalArgumentException("P-256 public key must be a 65-byte uncompressed point starting 0x04"
                    + (encoded == null ? "" : " (got " + encoded.length + " bytes)"));
        }
        BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(encoded, 1, 1 + COORDINATE_LENGTH));
        BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(encoded, 1 + COORDINATE_LENGTH, PUBLIC_KEY_LENGTH));
        if (!isOnCurve(x, y)) {
            throw new IllegalArgumentException("P-256 public key is not a point on the curve");
        }
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), PARAMS));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("P-256 public key rejected: " + e.getMessage(), e);
        }
    }

    /** Encodes a private key as its 32-byte big-endian scalar. */
    public static byte[] encodePrivateKey(ECPrivateKey key) {
        byte[] out = new byte[PRIVATE_KEY_LENGTH];
        writeFixed(key.getS(), out, 0);
        return out;
    }

    public static ECPrivateKey decodePrivateKey(byte[] scalar) {
        if (scalar == null || scalar.length != PRIVATE_KEY_LENGTH) {
            throw new IllegalArgumentException("P-256 private key must be a 32-byte scalar"
                    + (scalar == null ? "" : " (got " + scalar.length + " bytes)"));
        }
        BigInteger s = new BigInteger(1, scalar);
        if (s.signum() == 0 || s.compareTo(PARAMS.getOrder()) >= 0) {
            throw new IllegalArgumentException("P-256 private key scalar is out of range [1, n-1]");
        }
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(s, PARAMS));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("P-256 private key rejected: " + e.getMessage(), e);
        }
    }

    /** Raw ECDH: the 32-byte X coordinate of the shared point (what RFC 8291 calls ecdh_secret). */
    public static byte[] ecdh(ECPrivateKey privateKey, ECPublicKey publicKey) {
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(privateKey);
            agreement.doPhase(publicKey, true);
            return agreement.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ECDH failed: " + e.getMessage(), e);
        }
    }

    static boolean isOnCurve(BigInteger x, BigInteger y) {
        BigInteger p = ((ECFieldFp) PARAMS.getCurve().getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(PARAMS.getCurve().getA().multiply(x)).add(PARAMS.getCurve().getB()).mod(p);
        return left.equals(right);
    }

    /** Writes an unsigned big integer right-aligned into a 32-byte field (BigInteger may add a sign byte or be shorter). */
    private static void writeFixed(BigInteger value, byte[] out, int offset) {
        byte[] raw = value.toByteArray();
        int start = raw.length > COORDINATE_LENGTH ? raw.length - COORDINATE_LENGTH : 0;
        int length = raw.length - start;
        System.arraycopy(raw, start, out, offset + COORDINATE_LENGTH - length, length);
    }
}
