package one.webph.server.sip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import one.webph.server.numbers.Subscriber;
import one.webph.sip.auth.Digest;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.Parameters;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipText;

/**
 * Digest authentication of requests (RFC 3261 section 22, RFC 7616 / RFC 8760 with qop=auth, RFC 2617 without
 * qop): builds challenges (SHA-256 first, then MD5) and verifies credentials against a subscriber's stored HA1.
 * Nonces are stateless and signed ({@link NonceService}); nonce-counts are checked against replay.
 */
public final class DigestAuthenticator {

  /** Result of a verification; everything but {@link #OK} and {@link #MALFORMED} is answered with a challenge. */
  public enum Outcome {
    OK,
    /** No credentials for our realm: first request of a client, challenge it. */
    MISSING,
    /** Unparseable or incomplete credentials: 400. */
    MALFORMED,
    /** Not our nonce (wrong signature, other server): challenge again. */
    BAD_NONCE,
    /** Right password, expired nonce: challenge with stale=true. */
    STALE,
    /** Right password, nonce-count already used: challenge with stale=true so the client retries once. */
    REPLAY,
    /**
     * Credentials with an algorithm whose HA1 the account lacks (imported with only an MD5 HA1): challenge again
     * offering MD5 only, so the client can still log in.
     */
    MD5_ONLY,
    /** Unknown user, disabled account or wrong password: 403 (no new challenge, so no password guessing loop). */
    REJECTED
  }

  private final String realm;
  private final NonceService nonces;
  private final List<DigestAlgorithm> offered;

  /** Offers SHA-256 then MD5. */
  public DigestAuthenticator(String realm, NonceService nonces) {
    this(realm, nonces, List.of(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5));
  }

  /** @param offered the algorithms challenged with, in order; credentials using others are refused */
  public DigestAuthenticator(String realm, NonceService nonces, List<DigestAlgorithm> offered) {
    this.realm = realm;
    this.nonces = nonces;
    this.offered = List.copyOf(offered);
  }

  public String realm() {
    return realm;
  }

  /** Challenges to put in WWW-Authenticate (401) or Proxy-Authenticate (407), in the configured order. */
  public List<AuthHeader> challenges(boolean stale) {
    return challenges(stale, false);
  }

  /** As {@link #challenges(boolean)}; with {@code md5Only} just the MD5 one (see {@link Outcome#MD5_ONLY}). */
  public List<AuthHeader> challenges(boolean stale, boolean md5Only) {
    String nonce = nonces.create();
    List<AuthHeader> out = new ArrayList<>(2);
    for (DigestAlgorithm algorithm : offered) {
      if (md5Only && algorithm != DigestAlgorithm.MD5) {
        continue;
      }
      Parameters p = Parameters.of("realm", SipText.quote(realm), "nonce", SipText.quote(nonce), "algorithm",
          algorithm.token(), "qop", "\"auth\"");
      if (stale) {
        p = p.with("stale", "true");
      }
      out.add(new AuthHeader("Digest", p));
    }
    return out;
  }

  /**
   * The credentials for our realm in the request (Authorization for REGISTER, Proxy-Authorization otherwise),
   * or null. Credentials for other realms are meant for other servers and are ignored.
   */
  public AuthHeader credentials(SipRequest request, boolean proxy) {
    List<AuthHeader> all = proxy ? request.proxyAuthorizations() : request.authorizations();
    for (AuthHeader h : all) {
      if (h.isDigest() && realm.equals(h.param("realm"))) {
        return h;
      }
    }
    return null;
  }

  /** The username of credentials, or null when absent/empty. */
  public static String username(AuthHeader credentials) {
    String user = credentials == null ? null : credentials.param("username");
    return user == null || user.isEmpty() ? null : user;
  }

  /**
   * The request-digest of RFC 7616 3.4.1 (qop=auth) or RFC 2617 3.2.2.1 (no qop): {@code H(HA1:nonce:nc:cnonce:
   * qop:H(method:uri))}, or {@code H(HA1:nonce:H(method:uri))} when {@code qop} is null.
   */
  public static String expectedResponse(DigestAlgorithm algorithm, String ha1, String nonce, String nc,
      String cnonce, String qop, String method, String uri) {
    one.webph.sip.auth.DigestAlgorithm lib = algorithm.library();
    String ha2 = Digest.ha2(lib, qop, method, uri, null);
    return Digest.response(lib, ha1.toLowerCase(Locale.ROOT), nonce, nc, cnonce,
        qop == null ? null : qop.toLowerCase(Locale.ROOT), ha2);
  }


  /**
   * Verifies credentials for a request method against a subscriber (null when the user is unknown). The
   * digest-uri is used as sent (RFC 7616 3.4.6 lets the server check it; clients disagree on its exact form).
   */
  public Outcome verify(String method, AuthHeader credentials, Subscriber subscriber) {
    if (credentials == null) {
      return Outcome.MISSING;
    }
    String nonce = credentials.param("nonce");
    String uri = credentials.param("uri");
    String response = credentials.param("response");
    if (username(credentials) == null || nonce == null || uri == null || response == null) {
      return Outcome.MALFORMED;
    }
    DigestAlgorithm algorithm = DigestAlgorithm.fromToken(credentials.param("algorithm"));
    if (algorithm == null || !offered.contains(algorithm)) {
      return Outcome.BAD_NONCE; // e.g. MD5-sess: challenge again with what we support
    }
    NonceService.Status nonceStatus = nonces.check(nonce);
    if (nonceStatus == NonceService.Status.INVALID) {
      return Outcome.BAD_NONCE;
    }
    if (subscriber == null || subscriber.disabled()) {
      return Outcome.REJECTED;
    }
    String ha1 = algorithm == DigestAlgorithm.MD5 ? subscriber.ha1() : subscriber.ha1Sha256();
    if (ha1 == null) {
      // an account imported with only its MD5 HA1 cannot check SHA-256 answers: let the client retry with MD5
      boolean md5Usable = algorithm != DigestAlgorithm.MD5 && subscriber.ha1() != null
          && offered.contains(DigestAlgorithm.MD5);
      return md5Usable ? Outcome.MD5_ONLY : Outcome.REJECTED;
    }
    String qop = credentials.param("qop");
    long nonceCount = 0;
    String nc = null;
    String cnonce = null;
    if (qop != null) {
      nc = credentials.param("nc");
      cnonce = credentials.param("cnonce");
      if (!"auth".equalsIgnoreCase(qop) || nc == null || cnonce == null || !isEightHexDigits(nc)) {
        return Outcome.MALFORMED;
      }
      nonceCount = Long.parseLong(nc, 16);
    }
    String expected = expectedResponse(algorithm, ha1, nonce, nc, cnonce, qop, method, uri);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
      return Outcome.REJECTED;
    }
    if (nonceStatus == NonceService.Status.STALE) {
      return Outcome.STALE;
    }
    return nonces.acceptCount(nonce, nonceCount) ? Outcome.OK : Outcome.REPLAY;
  }

  /** nc is exactly 8 hex digits (RFC 7616 3.4); a regex here was compiled per request. */
  private static boolean isEightHexDigits(String s) {
    if (s.length() != 8) {
      return false;
    }
    for (int i = 0; i < 8; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }
}
