package one.webph.sip.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Digest computations of RFC 2617 / RFC 7616 as used by SIP (RFC 3261 22.4, RFC 8760): HA1, HA2 and the
 * request-digest for qop=auth, qop=auth-int and the legacy no-qop form.
 */
public final class Digest {
    private Digest() {}

    /** H(data) as lower-case hex. */
    public static String hash(DigestAlgorithm alg, String data) {
        return hash(alg, data.getBytes(StandardCharsets.UTF_8));
    }

    public static String hash(DigestAlgorithm alg, byte[] data) {
        return HexFormat.of().formatHex(alg.threadDigest().digest(data));
    }

    /** HA1 = H(username:realm:password). Registrars may store this instead of the password. */
    public static String ha1(DigestAlgorithm alg, String username, String realm, String password) {
        return hash(alg, username + ":" + realm + ":" + password);
    }

    /** For "-sess" algorithms: H(H(username:realm:password):nonce:cnonce); otherwise {@code ha1} unchanged. */
    public static String sessionHa1(DigestAlgorithm alg, String ha1, String nonce, String cnonce) {
        return alg.isSession() ? hash(alg, ha1 + ":" + nonce + ":" + cnonce) : ha1;
    }

    /** HA2 = H(method:uri), or H(method:uri:H(body)) for qop=auth-int. */
    public static String ha2(DigestAlgorithm alg, String qop, String method, String uri, byte[] body) {
        if ("auth-int".equalsIgnoreCase(qop)) {
            return hash(alg, method + ":" + uri + ":" + hash(alg, body == null ? new byte[0] : body));
        }
        return hash(alg, method + ":" + uri);
    }

    /**
     * request-digest: H(HA1:nonce:nc:cnonce:qop:HA2) with qop, or H(HA1:nonce:HA2) without (RFC 2069 legacy).
     * {@code ha1} must already be the session HA1 for "-sess" algorithms.
     */
    public static String response(DigestAlgorithm alg, String ha1, String nonce, String nc, String cnonce, String qop,
            String ha2) {
        if (qop == null || qop.isEmpty()) {
            return hash(alg, ha1 + ":" + nonce + ":" + ha2);
        }
        return hash(alg, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
    }

    /** Computes the expected response for credentials received with a request. */
    public static String expectedResponse(DigestCredentials c, String method, String ha1, byte[] body) {
        String sessHa1 = sessionHa1(c.algorithm(), ha1, c.nonce(), c.cnonce());
        String ha2 = ha2(c.algorithm(), c.qop(), method, c.uri(), body);
        return response(c.algorithm(), sessHa1, c.nonce(), c.nc(), c.cnonce(), c.qop(), ha2);
    }

    /**
     * Checks received credentials against the stored HA1 (constant-time comparison). Nonce freshness and the
     * realm/username lookup are the caller's policy.
     */
    public static boolean verify(DigestCredentials c, String method, String ha1, byte[] body) {
        if (c.response() == null || c.nonce() == null || c.uri() == null) {
            return false;
        }
        if (c.qop() != null && (c.cnonce() == null || c.nc() == null)) {
            return false;
        }
        String expected = expectedResponse(c, method, ha1, body);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                c.response().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }
}
