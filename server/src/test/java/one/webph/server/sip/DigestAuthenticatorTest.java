package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.sip.message.AuthHeader;
import org.junit.jupiter.api.Test;

/** Digest computation (RFC 7616 vectors), verification, stale nonces and nonce-count replay. */
class DigestAuthenticatorTest {
  private static final String REALM = "example.org";
  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  private final NonceService nonces = new NonceService(new byte[32], REALM, Duration.ofSeconds(30), clock::get);
  private final DigestAuthenticator auth = new DigestAuthenticator(REALM, nonces);
  private final Subscriber alice = new Subscriber("999100001", REALM, Credentials.ha1Md5("999100001", REALM, "pw"),
      Credentials.ha1Sha256("999100001", REALM, "pw"), null, Instant.EPOCH, false);

  @Test
  void rfc7616SectionThreeNineOneVectors() {
    // RFC 7616 3.9.1: Mufasa / "Circle of Life", GET /dir/index.html
    String nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    String cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    String realm = "http-auth@example.org";
    String md5Ha1 = DigestAlgorithm.MD5.hash("Mufasa:" + realm + ":Circle of Life");
    String shaHa1 = DigestAlgorithm.SHA_256.hash("Mufasa:" + realm + ":Circle of Life");
    assertThat(DigestAuthenticator.expectedResponse(DigestAlgorithm.MD5, md5Ha1, nonce, "00000001", cnonce, "auth",
        "GET", "/dir/index.html")).isEqualTo("8ca523f5e9506fed4657c9700eebdbec");
    assertThat(DigestAuthenticator.expectedResponse(DigestAlgorithm.SHA_256, shaHa1, nonce, "00000001", cnonce,
        "auth", "GET", "/dir/index.html"))
        .isEqualTo("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  }

  @Test
  void rfc2617WithoutQopVector() {
    // RFC 2617 3.5 computed without qop (legacy RFC 2069 form): H(HA1:nonce:HA2)
    String ha1 = DigestAlgorithm.MD5.hash("Mufasa:testrealm@host.com:Circle Of Life");
    String expected = DigestAlgorithm.MD5.hash(ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:"
        + DigestAlgorithm.MD5.hash("GET:/dir/index.html"));
    assertThat(DigestAuthenticator.expectedResponse(DigestAlgorithm.MD5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        null, null, null, "GET", "/dir/index.html")).isEqualTo(expected);
  }

  @Test
  void challengesOfferSha256FirstThenMd5WithTheSameNonce() {
    List<AuthHeader> challenges = auth.challenges(false);
    assertThat(challenges).extracting(h -> h.param("algorithm")).containsExactly("SHA-256", "MD5");
    assertThat(challenges.get(0).param("nonce")).isEqualTo(challenges.get(1).param("nonce"));
    assertThat(challenges.get(0).param("qop")).isEqualTo("auth");
    assertThat(challenges.get(0).param("realm")).isEqualTo(REALM);
    assertThat(challenges.get(0).params().has("stale")).isFalse();
    assertThat(auth.challenges(true).get(0).param("stale")).isEqualTo("true");
  }

  private AuthHeader answer(DigestAlgorithm algorithm, String password, String nc) {
    String nonce = auth.challenges(false).get(0).param("nonce");
    return answer(algorithm, password, nonce, nc);
  }

  private static AuthHeader answer(DigestAlgorithm algorithm, String password, String nonce, String nc) {
    String ha1 = algorithm.hash("999100001:" + REALM + ":" + password);
    String response = DigestAuthenticator.expectedResponse(algorithm, ha1, nonce, nc, "abc", "auth", "REGISTER",
        "sip:" + REALM);
    return AuthHeader.parse("Digest username=\"999100001\", realm=\"" + REALM + "\", nonce=\"" + nonce
        + "\", uri=\"sip:" + REALM + "\", response=\"" + response + "\", algorithm=" + algorithm.token()
        + ", qop=auth, nc=" + nc + ", cnonce=\"abc\"");
  }

  @Test
  void rightPasswordPassesWithBothAlgorithms() {
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.SHA_256, "pw", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.OK);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.OK);
  }

  @Test
  void wrongPasswordUnknownUserAndDisabledAccountAreRejected() {
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "wrong", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", "00000001"), null))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
    Subscriber disabled = new Subscriber(alice.number(), REALM, alice.ha1(), alice.ha1Sha256(), null, Instant.EPOCH,
        true);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", "00000001"), disabled))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
  }

  @Test
  void theMethodIsPartOfTheDigest() {
    assertThat(auth.verify("INVITE", answer(DigestAlgorithm.MD5, "pw", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
  }

  @Test
  void replayedNonceCountIsRefusedAHigherOneAccepted() {
    String nonce = auth.challenges(false).get(0).param("nonce");
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", nonce, "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.OK);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", nonce, "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.REPLAY);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", nonce, "00000002"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.OK);
  }

  @Test
  void expiredNonceWithRightPasswordIsStale() {
    AuthHeader credentials = answer(DigestAlgorithm.SHA_256, "pw", "00000001");
    clock.addAndGet(31_000);
    assertThat(auth.verify("REGISTER", credentials, alice)).isEqualTo(DigestAuthenticator.Outcome.STALE);
  }

  @Test
  void foreignOrTamperedNonceAndUnsupportedAlgorithmAreChallengedAgain() {
    NonceService other = new NonceService(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, REALM,
        Duration.ofSeconds(30), clock::get);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", other.create(), "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.BAD_NONCE);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", "bm90LWEtbm9uY2U", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.BAD_NONCE);
    AuthHeader sess = AuthHeader.parse(answer(DigestAlgorithm.MD5, "pw", "00000001").toString()
        .replace("algorithm=MD5", "algorithm=MD5-sess"));
    assertThat(auth.verify("REGISTER", sess, alice)).isEqualTo(DigestAuthenticator.Outcome.BAD_NONCE);
  }

  @Test
  void incompleteCredentialsAreMalformed() {
    AuthHeader noResponse = AuthHeader.parse("Digest username=\"999100001\", realm=\"" + REALM
        + "\", nonce=\"x\", uri=\"sip:" + REALM + "\"");
    assertThat(auth.verify("REGISTER", noResponse, alice)).isEqualTo(DigestAuthenticator.Outcome.MALFORMED);
    assertThat(auth.verify("REGISTER", null, alice)).isEqualTo(DigestAuthenticator.Outcome.MISSING);
  }

  @Test
  void md5OnlyConfigurationRefusesSha256Answers() {
    DigestAuthenticator md5Only = new DigestAuthenticator(REALM, nonces, List.of(DigestAlgorithm.MD5));
    assertThat(md5Only.challenges(false)).extracting(h -> h.param("algorithm")).containsExactly("MD5");
    assertThat(md5Only.verify("REGISTER", answer(DigestAlgorithm.SHA_256, "pw", "00000001"), alice))
        .isEqualTo(DigestAuthenticator.Outcome.BAD_NONCE);
  }

  @Test
  void sha256AnswerForAnAccountWithOnlyAnMd5Ha1IsChallengedAgainWithMd5Only() {
    // an account imported from the old stack: subscribers.ha1_sha256 is NULL
    Subscriber imported = new Subscriber(alice.number(), REALM, alice.ha1(), null, null, Instant.EPOCH, false);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.SHA_256, "pw", "00000001"), imported))
        .isEqualTo(DigestAuthenticator.Outcome.MD5_ONLY);
    List<AuthHeader> again = auth.challenges(false, true);
    assertThat(again).extracting(h -> h.param("algorithm")).containsExactly("MD5");
    // the client's MD5 answer to that challenge logs in
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.MD5, "pw", again.get(0).param("nonce"), "00000001"),
        imported)).isEqualTo(DigestAuthenticator.Outcome.OK);
    // without an MD5 HA1 either, or with MD5 not offered, there is nothing to retry with
    Subscriber noHash = new Subscriber(alice.number(), REALM, null, null, null, Instant.EPOCH, false);
    assertThat(auth.verify("REGISTER", answer(DigestAlgorithm.SHA_256, "pw", "00000001"), noHash))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
    DigestAuthenticator shaOnly = new DigestAuthenticator(REALM, nonces, List.of(DigestAlgorithm.SHA_256));
    String nonce = shaOnly.challenges(false).get(0).param("nonce");
    assertThat(shaOnly.verify("REGISTER", answer(DigestAlgorithm.SHA_256, "pw", nonce, "00000001"), imported))
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
  }
}
