package one.webph.server.numbers;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Password generation and the digest hashes (HA1) stored instead of passwords. */
public final class Credentials {
  /** Letters and digits without look-alikes (0/O, 1/l/I) so a password read aloud or copied survives. */
  private static final char[] PASSWORD_ALPHABET =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();
  /** 18 characters of a 57-symbol alphabet: about 105 bits. */
  public static final int PASSWORD_LENGTH = 18;

  private Credentials() {}

  public static String generatePassword(SecureRandom random) {
    char[] password = new char[PASSWORD_LENGTH];
    for (int i = 0; i < password.length; i++) {
      password[i] = PASSWORD_ALPHABET[random.nextInt(PASSWORD_ALPHABET.length)];
    }
    return new String(password);
  }

  /** HA1 for MD5 digest authentication: hex MD5 of "user:realm:password". */
  public static String ha1Md5(String user, String realm, String password) {
    return hex("MD5", user + ":" + realm + ":" + password);
  }

  /** HA1 for SHA-256 digest authentication (RFC 7616): hex SHA-256 of "user:realm:password". */
  public static String ha1Sha256(String user, String realm, String password) {
    return hex("SHA-256", user + ":" + realm + ":" + password);
  }

  /** Checks a password an administrator chose: printable ASCII without spaces, 8 to 128 characters. */
  public static void validatePassword(String password) {
    if (password.length() < 8 || password.length() > 128) {
      throw new IllegalArgumentException("password must be 8 to 128 characters long");
    }
    for (char c : password.toCharArray()) {
      if (c <= ' ' || c > '~') {
        throw new IllegalArgumentException("password must be printable ASCII without spaces");
      }
    }
  }

  private static String hex(String algorithm, String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance(algorithm);
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every Java runtime", e);
    }
  }
}
