package one.webph.webpush;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.function.Function;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188): ECDH between a
 * fresh ephemeral P-256 key and the subscriber's {@code p256dh} key, mixed with its {@code auth} secret, then one
 * AES-128-GCM record of size 4096 carrying the payload and the 0x02 last-record delimiter.
 */
public final class WebPushEncryption {
    public static final int RECORD_SIZE = 4096;
    public static final int SALT_LENGTH = 16;
    public static final int AUTH_SECRET_LENGTH = 16;
    public static final int TAG_LENGTH = 16;
    /** salt (16) || rs (4) || idlen (1) || keyid = the sender's ephemeral public key (65). */
    public static final int HEADER_LENGTH = SALT_LENGTH + 4 + 1 + P256.PUBLIC_KEY_LENGTH;
    /** Push services must accept bodies of at least 4096 bytes (RFC 8030 section 7.2); bigger may be refused. */
    public static final int MAX_BODY_LENGTH = 4096;
    /** Largest payload that fits: 4096 - 86 header - 1 delimiter - 16 tag = 3993 bytes. */
    public static final int MAX_PLAINTEXT_LENGTH = MAX_BODY_LENGTH - HEADER_LENGTH - 1 - TAG_LENGTH;

    private static final byte LAST_RECORD_DELIMITER = 0x02;
    private static final byte RECORD_DELIMITER = 0x01;
    private static final int NONCE_LENGTH = 12;
    private static final int KEY_LENGTH = 16;
    private static final byte[] WEBPUSH_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebPushEncryption() {
    }

    /** Encrypts {@code plaintext} for a subscriber with a fresh ephemeral key pair and salt; returns the HTTP body. */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublicKey, byte[] authSecret) {
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        return encrypt(plaintext, uaPublicKey, authSecret, P256.generateKeyPair(), salt);
    }

    /**
     * Encrypts with the given ephemeral key pair and salt. Only for reproducing test vectors: reusing a key pair
     * and salt for two messages reuses the AES-GCM key and nonce, which breaks confidentiality.
     *
     * @param uaPublicKey subscriber's {@code p256dh} key, a 65-byte uncompressed P-256 point
     * @param authSecret  subscriber's 16-byte {@code auth} secret
     */
    public static byte[] encrypt(byte[] plaintext, byte[] uaPublicKey, byte[] authSecret, KeyPair asKeyPair, byte[] salt) {
        if (plaintext == null) {
            throw new IllegalArgumentException("plaintext is required");
        }
        if (plaintext.length > MAX_PLAINTEXT_LENGTH) {
            throw new PayloadTooLargeException(plaintext.length, MAX_PLAINTEXT_LENGTH);
        }
        requireAuthSecret(authSecret);
        ECPublicKey uaPublic = P256.decodePublicKey(uaPublicKey);
        ECPublicKey asPublic = (ECPublicKey) asKeyPair.getPublic();
        byte[] asPublicBytes = P256.encodePublicKey(asPublic);
        byte[] ecdhSecret = P256.ecdh((ECPrivateKey) asKeyPair.getPrivate(), uaPublic);
        byte[] ikm = webPushIkm(ecdhSecret, authSecret, P256.encodePublicKey(uaPublic), asPublicBytes);
        return encodeSingleRecord(ikm, salt, asPublicBytes, RECORD_SIZE, plaintext);
    }

    /**
     * Decrypts a Web Push body as the user agent does (for the test push-service stand-in and diagnostics).
     *
     * @param uaPrivateKey subscriber's private key
     * @param uaPublicKey  subscriber's 65-byte public key ({@code p256dh})
     * @throws IllegalArgumentException if the body is malformed or does not authenticate
     */
    public static byte[] decrypt(byte[] body, ECPrivateKey uaPrivateKey, byte[] uaPublicKey, byte[] authSecret) {
        requireAuthSecret(authSecret);
        P256.decodePublicKey(uaPublicKey);
        return decode(body, keyId -> {
            ECPublicKey asPublic = P256.decodePublicKey(keyId);
            byte[] ecdhSecret = P256.ecdh(uaPrivateKey, asPublic);
            return webPushIkm(ecdhSecret, authSecret, uaPublicKey, keyId);
        });
    }

    /** RFC 8291 section 3.3/3.4: IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0 || ua_public || as_public, 32). */
    static byte[] webPushIkm(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic) {
        byte[] keyInfo = concat(WEBPUSH_INFO, uaPublic, asPublic);
        return hkdf(authSecret, ecdhSecret, keyInfo, 32);
    }

    /** RFC 8188 section 2: encodes one record (the payload plus the 0x02 delimiter, no padding). */
    static byte[] encodeSingleRecord(byte[] ikm, byte[] salt, byte[] keyId, int recordSize, byte[] plaintext) {
        if (salt == null || salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("salt must be 16 bytes");
        }
        if (keyId.length > 255) {
            throw new IllegalArgumentException("key id longer than 255 bytes");
        }
        if (plaintext.length + 1 + TAG_LENGTH > recordSize) {
            throw new PayloadTooLargeException(plaintext.length, recordSize - 1 - TAG_LENGTH);
        }
        byte[] prk = hmac(salt, ikm);
        byte[] cek = expand(prk, CEK_INFO, KEY_LENGTH);
        byte[] nonce = expand(prk, NONCE_INFO, NONCE_LENGTH);
        byte[] padded = Arrays.copyOf(plaintext, plaintext.length + 1);
        padded[plaintext.length] = LAST_RECORD_DELIMITER;
        byte[] record = aesGcm(Cipher.ENCRYPT_MODE, cek, nonce, padded);
        ByteBuffer body = ByteBuffer.allocate(SALT_LENGTH + 4 + 1 + keyId.length + record.length);
        body.put(salt).putInt(recordSize).put((byte) keyId.length).put(keyId).put(record);
        return body.array();
    }

    /**
     * RFC 8188 section 2: decodes an aes128gcm body of one or more records. {@code ikmForKeyId} maps the header's
     * key id to the input keying material.
     */
    static byte[] decode(byte[] body, Function<byte[], byte[]> ikmForKeyId) {
        if (body == null || body.length < SALT_LENGTH + 4 + 1) {
            throw new IllegalArgumentException("aes128gcm body shorter than its header");
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[SALT_LENGTH];
        in.get(salt);
        long recordSize = in.getInt() & 0xffffffffL;
        int keyIdLength = in.get() & 0xff;
        if (recordSize < TAG_LENGTH + 2) {
            throw new IllegalArgumentException("aes128gcm record size " + recordSize + " is below the minimum of 18");
        }
        if (in.remaining() < keyIdLength) {
            throw new IllegalArgumentException("aes128gcm body truncated inside the key id");
        }
        byte[] keyId = new byte[keyIdLength];
        in.get(keyId);
        if (!in.hasRemaining()) {
            throw new IllegalArgumentException("aes128gcm body has no records");
        }
        byte[] prk = hmac(salt, ikmForKeyId.apply(keyId));
        byte[] cek = expand(prk, CEK_INFO, KEY_LENGTH);
        byte[] baseNonce = expand(prk, NONCE_INFO, NONCE_LENGTH);

        ByteArrayOutputStream plaintext = new ByteArrayOutputStream(in.remaining());
        long sequence = 0;
        while (in.hasRemaining()) {
            int length = (int) Math.min(recordSize, in.remaining());
            if (length <= TAG_LENGTH) {
                throw new IllegalArgumentException("aes128gcm record " + sequence + " is too short");
            }
            byte[] record = new byte[length];
            in.get(record);
            byte[] padded = aesGcm(Cipher.DECRYPT_MODE, cek, recordNonce(baseNonce, sequence), record);
            int delimiter = padded.length - 1;
            while (delimiter >= 0 && padded[delimiter] == 0) {
                delimiter--;
            }
            if (delimiter < 0) {
                throw new IllegalArgumentException("aes128gcm record " + sequence + " has no padding delimiter");
            }
            boolean last = !in.hasRemaining();
            byte expected = last ? LAST_RECORD_DELIMITER : RECORD_DELIMITER;
            if (padded[delimiter] != expected) {
                throw new IllegalArgumentException("aes128gcm record " + sequence + " has delimiter "
                        + padded[delimiter] + ", expected " + expected + (last ? " (message truncated?)" : ""));
            }
            plaintext.write(padded, 0, delimiter);
            sequence++;
        }
        return plaintext.toByteArray();
    }

    /** The record nonce is the base nonce XOR the record sequence number as a 96-bit big-endian integer. */
    private static byte[] recordNonce(byte[] baseNonce, long sequence) {
        byte[] nonce = baseNonce.clone();
        for (int i = 0; i < 8; i++) {
            nonce[NONCE_LENGTH - 1 - i] ^= (byte) (sequence >>> (8 * i));
        }
        return nonce;
    }

    private static byte[] aesGcm(int mode, byte[] key, byte[] nonce, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("aes128gcm record does not authenticate (wrong keys or corrupted body)", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-GCM unavailable or failed", e);
        }
    }

    /** HKDF-SHA-256 (RFC 5869) for output lengths up to one hash block, which is all Web Push needs. */
    static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(hmac(salt, ikm), info, length);
    }

    private static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length > 32) {
            throw new IllegalArgumentException("HKDF output above 32 bytes is not needed here");
        }
        return Arrays.copyOf(hmac(prk, concat(info, new byte[] {1})), length);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static void requireAuthSecret(byte[] authSecret) {
        if (authSecret == null || authSecret.length != AUTH_SECRET_LENGTH) {
            throw new IllegalArgumentException("auth secret must be 16 bytes"
                    + (authSecret == null ? "" : " (got " + authSecret.length + ")"));
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
