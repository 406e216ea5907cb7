package one.webph.server.sip;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The digest algorithms this server offers and accepts (the subset of {@link one.webph.sip.auth.DigestAlgorithm}
 * that stored HA1 hashes exist for: subscribers keep an MD5 and a SHA-256 HA1).
 */
public enum DigestAlgorithm {
  SHA_256("SHA-256", "SHA-256"),
  MD5("MD5", "MD5");

  private final String token;
  private final String jcaName;

  DigestAlgorithm(String token, String jcaName) {
    this.token = token;
    this.jcaName = jcaName;
  }

  /** The value of the {@code algorithm} auth-param. */
  public String token() {
    return token;
  }

  /** The sip library's constant for the same algorithm. */
  public one.webph.sip.auth.DigestAlgorithm library() {
    return this == MD5 ? one.webph.sip.auth.DigestAlgorithm.MD5 : one.webph.sip.auth.DigestAlgorithm.SHA_256;
  }

  /** Hex digest of the UTF-8 text (the H() of RFC 7616). */
  public String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(jcaName).digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(jcaName + " is required by every Java runtime", e);
    }
  }

  /** Maps an {@code algorithm} auth-param; absent means MD5 (RFC 2617). Null for unsupported ones (e.g. -sess). */
  public static DigestAlgorithm fromToken(String token) {
    if (token == null) {
      return MD5;
    }
    return switch (token.toUpperCase(Locale.ROOT)) {
      case "MD5" -> MD5;
      case "SHA-256" -> SHA_256;
      default -> null;
    };
  }
}
