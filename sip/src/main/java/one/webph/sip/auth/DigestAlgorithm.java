package one.webph.sip.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Digest algorithms of RFC 7616 / RFC 8760 (SIP). The "-sess" variants fold nonce and cnonce into HA1. */
public enum DigestAlgorithm {
    MD5("MD5", "MD5", false),
    MD5_SESS("MD5-sess", "MD5", true),
    SHA_256("SHA-256", "SHA-256", false),
    SHA_256_SESS("SHA-256-sess", "SHA-256", true),
    SHA_512_256("SHA-512-256", "SHA-512/256", false),
    SHA_512_256_SESS("SHA-512-256-sess", "SHA-512/256", true);

    private final String token;
    private final String jcaName;
    private final boolean session;

    DigestAlgorithm(String token, String jcaName, boolean session) {
        this.token = token;
        this.jcaName = jcaName;
        this.session = session;
    }

    /** The value of the {@code algorithm} parameter. */
    public String token() {
        return token;
    }

    public boolean isSession() {
        return session;
    }

    /** Case-insensitive lookup; a missing algorithm parameter means MD5 (RFC 2617). Null when unknown. */
    public static DigestAlgorithm fromToken(String token) {
        if (token == null || token.isEmpty()) {
            return MD5;
        }
        for (DigestAlgorithm a : values()) {
            if (a.token.equalsIgnoreCase(token)) {
                return a;
            }
        }
        return null;
    }

    /**
     * A digest of this algorithm, reset, for the calling thread's immediate use (digest() resets it again): one per
     * thread and algorithm, as MessageDigest.getInstance looks the provider up each time (twice per verified request).
     */
    MessageDigest threadDigest() {
        MessageDigest[] mine = DIGESTS.get();
        MessageDigest d = mine[ordinal()];
        if (d == null) {
            try {
                d = MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jcaName + " not available", e);
            }
            mine[ordinal()] = d;
        }
        d.reset();
        return d;
    }

    private static final ThreadLocal<MessageDigest[]> DIGESTS =
            ThreadLocal.withInitial(() -> new MessageDigest[values().length]);
}
