package one.webph.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.SipRequest;
import one.webph.sip.parser.SipMessageParser;
import org.junit.jupiter.api.Test;

class DigestTest {

    @Test
    void rfc2617Example() {
        // RFC 2617 section 3.5
        DigestCredentials c = new DigestCredentials("Mufasa", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                "/dir/index.html", "6629fae49393a05397450978507c4ef1", DigestAlgorithm.MD5, "0a4f113b",
                "5ccc069c403ebaf9f0171e9517f40e41", "auth", "00000001");
        String ha1 = Digest.ha1(DigestAlgorithm.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        assertThat(Digest.expectedResponse(c, "GET", ha1, null)).isEqualTo("6629fae49393a05397450978507c4ef1");
        assertThat(Digest.verify(c, "GET", ha1, null)).isTrue();
        assertThat(Digest.verify(c, "POST", ha1, null)).isFalse();
    }

    @Test
    void rfc7616ExamplesMd5AndSha256() {
        // RFC 7616 section 3.9.1
        String nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        String cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        String realm = "http-auth@example.org";
        for (Object[] v : new Object[][] {{DigestAlgorithm.MD5, "8ca523f5e9506fed4657c9700eebdbec"},
            {DigestAlgorithm.SHA_256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}}) {
            DigestAlgorithm alg = (DigestAlgorithm) v[0];
            DigestChallenge ch = new DigestChallenge(realm, nonce, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", alg,
                    java.util.List.of("auth", "auth-int"), false);
            DigestCredentials c = DigestCredentials.answer(ch, "Mufasa", "Circle of Life", "GET", "/dir/index.html", cnonce, 1);
            assertThat(c.response()).as(alg.token()).isEqualTo(v[1]);
            assertThat(c.nc()).isEqualTo("00000001");
            // Through the wire format and back.
            AuthHeader parsed = AuthHeader.parse(c.toAuthHeader().toString());
            DigestCredentials back = DigestCredentials.from(parsed);
            assertThat(back).isEqualTo(c);
            assertThat(Digest.verify(back, "GET", Digest.ha1(alg, "Mufasa", realm, "Circle of Life"), null)).isTrue();
        }
    }

    @Test
    void legacyNoQopAndSessionVariants() throws Exception {
        DigestChallenge legacy = new DigestChallenge("webph.one", "abc", null, DigestAlgorithm.MD5, java.util.List.of(), false);
        DigestCredentials c = DigestCredentials.answer(legacy, "alice", "pw", "REGISTER", "sip:webph.one", "cn", 1);
        assertThat(c.qop()).isNull();
        // RFC 2069: H(HA1:nonce:HA2), computed independently here.
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        String ha1 = hex(md5.digest("alice:webph.one:pw".getBytes(StandardCharsets.UTF_8)));
        String ha2 = hex(md5.digest("REGISTER:sip:webph.one".getBytes(StandardCharsets.UTF_8)));
        assertThat(c.response()).isEqualTo(hex(md5.digest((ha1 + ":abc:" + ha2).getBytes(StandardCharsets.UTF_8))));
        assertThat(Digest.verify(c, "REGISTER", ha1, null)).isTrue();

        DigestChallenge sess = DigestChallenge.of("webph.one", "n2", DigestAlgorithm.SHA_256_SESS, false);
        DigestCredentials s = DigestCredentials.answer(sess, "alice", "pw", "INVITE", "sip:bob@webph.one", "cn2", 3);
        assertThat(Digest.verify(s, "INVITE", Digest.ha1(DigestAlgorithm.SHA_256_SESS, "alice", "webph.one", "pw"), null)).isTrue();
        assertThat(Digest.verify(s, "INVITE", Digest.ha1(DigestAlgorithm.SHA_256_SESS, "alice", "webph.one", "px"), null)).isFalse();
    }

    @Test
    void challengeHeaderRoundTripAndSipMessageAccess() {
        DigestChallenge ch = DigestChallenge.of("webph.one", "n-1", DigestAlgorithm.SHA_256, true);
        String value = ch.toAuthHeader().toString();
        assertThat(value).isEqualTo("Digest realm=\"webph.one\", nonce=\"n-1\", algorithm=SHA-256, qop=\"auth\", stale=true");
        assertThat(DigestChallenge.from(AuthHeader.parse(value))).isEqualTo(ch);
        // Typical JsSIP Authorization header with unquoted algorithm/qop/nc.
        SipRequest r = (SipRequest) SipMessageParser.parse("REGISTER sip:webph.one SIP/2.0\r\n"
                + "Via: SIP/2.0/WSS x.invalid;branch=z9hG4bK1\r\nFrom: <sip:a@webph.one>;tag=1\r\nTo: <sip:a@webph.one>\r\n"
                + "Call-ID: c\r\nCSeq: 2 REGISTER\r\nAuthorization: Digest algorithm=MD5, username=\"a\", realm=\"webph.one\", "
                + "nonce=\"n\", uri=\"sip:webph.one\", response=\"00\", qop=auth, cnonce=\"x\", nc=00000001\r\n"
                + "Content-Length: 0\r\n\r\n");
        DigestCredentials c = DigestCredentials.from(r.authorizations().get(0));
        assertThat(c.username()).isEqualTo("a");
        assertThat(c.qop()).isEqualTo("auth");
        assertThat(c.algorithm()).isEqualTo(DigestAlgorithm.MD5);
    }

    @Test
    void nonceSigner() {
        NonceSigner s = new NonceSigner("0123456789abcdef0123".getBytes(StandardCharsets.UTF_8));
        String n = s.create(1_000_000, "webph.one");
        assertThat(s.verify(n, 1_000_500, 30_000, "webph.one")).isEqualTo(NonceSigner.Result.VALID);
        assertThat(s.verify(n, 1_100_000, 30_000, "webph.one")).isEqualTo(NonceSigner.Result.STALE);
        assertThat(s.verify(n, 1_000_500, 30_000, "other.realm")).isEqualTo(NonceSigner.Result.INVALID);
        char[] t = n.toCharArray();
        t[12] = t[12] == 'A' ? 'B' : 'A';
        assertThat(s.verify(new String(t), 1_000_500, 30_000, "webph.one")).isEqualTo(NonceSigner.Result.INVALID);
        assertThat(s.verify("not base64 !", 1_000_500, 30_000, "webph.one")).isEqualTo(NonceSigner.Result.INVALID);
        NonceSigner other = new NonceSigner("fedcba9876543210fedc".getBytes(StandardCharsets.UTF_8));
        assertThat(other.verify(n, 1_000_500, 30_000, "webph.one")).isEqualTo(NonceSigner.Result.INVALID);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
