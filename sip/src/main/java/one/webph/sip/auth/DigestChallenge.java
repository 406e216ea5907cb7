package one.webph.sip.auth;

import java.util.ArrayList;
import java.util.List;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.Parameters;
import one.webph.sip.message.SipText;

/**
 * A Digest challenge (WWW-Authenticate / Proxy-Authenticate value). {@code qop} lists the offered qop values
 * (empty for a legacy challenge without qop).
 */
public record DigestChallenge(String realm, String nonce, String opaque, DigestAlgorithm algorithm, List<String> qop,
        boolean stale) {

    public DigestChallenge {
        qop = List.copyOf(qop);
    }

    /** Challenge with qop="auth". */
    public static DigestChallenge of(String realm, String nonce, DigestAlgorithm algorithm, boolean stale) {
        return new DigestChallenge(realm, nonce, null, algorithm, List.of("auth"), stale);
    }

    /** @return null when the header is not a Digest challenge or lacks realm/nonce or has an unknown algorithm */
    public static DigestChallenge from(AuthHeader h) {
        if (!h.isDigest() || h.param("realm") == null || h.param("nonce") == null) {
            return null;
        }
        DigestAlgorithm alg = DigestAlgorithm.fromToken(h.param("algorithm"));
        if (alg == null) {
            return null;
        }
        List<String> qop = new ArrayList<>();
        String q = h.param("qop");
        if (q != null) {
            for (String s : q.split(",")) {
                if (!s.isBlank()) {
                    qop.add(s.strip());
                }
            }
        }
        return new DigestChallenge(h.param("realm"), h.param("nonce"), h.param("opaque"), alg, qop,
                "true".equalsIgnoreCase(h.param("stale")));
    }

    /** Header form: {@code Digest realm="..", nonce="..", algorithm=SHA-256, qop="auth"[, stale=true]}. */
    public AuthHeader toAuthHeader() {
        Parameters p = Parameters.EMPTY.with("realm", SipText.quote(realm)).with("nonce", SipText.quote(nonce));
        if (opaque != null) {
            p = p.with("opaque", SipText.quote(opaque));
        }
        p = p.with("algorithm", algorithm.token());
        if (!qop.isEmpty()) {
            p = p.with("qop", SipText.quote(String.join(",", qop)));
        }
        if (stale) {
            p = p.with("stale", "true");
        }
        return new AuthHeader("Digest", p);
    }

    @Override
    public String toString() {
        return toAuthHeader().toString();
    }
}
