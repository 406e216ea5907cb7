package one.webph.sip.auth;

import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.Parameters;
import one.webph.sip.message.SipText;

/** Digest credentials (Authorization / Proxy-Authorization value). qop, nc and cnonce are null without qop. */
public record DigestCredentials(String username, String realm, String nonce, String uri, String response,
        DigestAlgorithm algorithm, String cnonce, String opaque, String qop, String nc) {

    /** @return null when not Digest, or the algorithm is unknown */
    public static DigestCredentials from(AuthHeader h) {
        if (!h.isDigest()) {
            return null;
        }
        DigestAlgorithm alg = DigestAlgorithm.fromToken(h.param("algorithm"));
        if (alg == null) {
            return null;
        }
        return new DigestCredentials(h.param("username"), h.param("realm"), h.param("nonce"), h.param("uri"),
                h.param("response"), alg, h.param("cnonce"), h.param("opaque"), h.param("qop"), h.param("nc"));
    }

    /**
     * Computes credentials answering a challenge (client side, also handy in tests). Uses qop=auth when offered,
     * else the legacy form.
     */
    public static DigestCredentials answer(DigestChallenge ch, String username, String password, String method,
            String uri, String cnonce, int nonceCount) {
        String qop = ch.qop().stream().anyMatch("auth"::equalsIgnoreCase) ? "auth" : null;
        String nc = qop == null ? null : String.format("%08x", nonceCount);
        String ha1 = Digest.sessionHa1(ch.algorithm(), Digest.ha1(ch.algorithm(), username, ch.realm(), password),
                ch.nonce(), cnonce);
        String ha2 = Digest.ha2(ch.algorithm(), qop, method, uri, null);
        String resp = Digest.response(ch.algorithm(), ha1, ch.nonce(), nc, qop == null ? null : cnonce, qop, ha2);
        return new DigestCredentials(username, ch.realm(), ch.nonce(), uri, resp, ch.algorithm(),
                qop == null ? null : cnonce, ch.opaque(), qop, nc);
    }

    public AuthHeader toAuthHeader() {
        Parameters p = Parameters.EMPTY.with("username", SipText.quote(username)).with("realm", SipText.quote(realm))
                .with("nonce", SipText.quote(nonce)).with("uri", SipText.quote(uri))
                .with("response", SipText.quote(response)).with("algorithm", algorithm.token());
        if (cnonce != null) {
            p = p.with("cnonce", SipText.quote(cnonce));
        }
        if (opaque != null) {
            p = p.with("opaque", SipText.quote(opaque));
        }
        if (qop != null) {
            p = p.with("qop", qop).with("nc", nc);
        }
        return new AuthHeader("Digest", p);
    }

    @Override
    public String toString() {
        return toAuthHeader().toString();
    }
}
