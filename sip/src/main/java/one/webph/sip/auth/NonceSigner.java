package one.webph.sip.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless, expiring nonces: {@code base64url(issuedAtMillis || HMAC-SHA256(key, issuedAt || context)[0..16])}.
 * The context (e.g. realm, or realm + client IP) binds a nonce to where it was issued. No server state, so any
 * instance sharing the key can verify; replay within the lifetime is possible by design (use nc tracking on top
 * if needed).
 */
public final class NonceSigner {
    /** Verification outcome; STALE means well-signed but expired (answer with stale=true). */
    public enum Result { VALID, STALE, INVALID }

    private static final int MAC_BYTES = 16;
    private final SecretKeySpec key;

    public NonceSigner(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("secret must be at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    }

    public String create(long nowMillis, String context) {
        ByteBuffer b = ByteBuffer.allocate(8 + MAC_BYTES);
        b.putLong(nowMillis);
        b.put(mac(nowMillis, context), 0, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    public Result verify(String nonce, long nowMillis, long maxAgeMillis, String context) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return Result.INVALID;
        }
        if (raw.length != 8 + MAC_BYTES) {
            return Result.INVALID;
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        long issued = b.getLong();
        byte[] got = new byte[MAC_BYTES];
        b.get(got);
        byte[] want = new byte[MAC_BYTES];
        System.arraycopy(mac(issued, context), 0, want, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(got, want)) {
            return Result.INVALID;
        }
        if (issued > nowMillis + 60_000) {
            return Result.INVALID; // from the future: clock skew beyond reason
        }
        return nowMillis - issued > maxAgeMillis ? Result.STALE : Result.VALID;
    }

    private byte[] mac(long issued, String context) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(ByteBuffer.allocate(8).putLong(issued).array());
            mac.update((context == null ? "" : context).getBytes(StandardCharsets.UTF_8));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
