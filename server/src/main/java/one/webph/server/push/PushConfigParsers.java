package one.webph.server.push;

import java.util.Locale;

/**
 * Parsers for the push configuration keys declared in {@code ConfigKeys}. Like every config parser they throw
 * {@link IllegalArgumentException} with a short reason.
 */
public final class PushConfigParsers {
  /** An administrator token shorter than this is too easy to guess. */
  static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  private PushConfigParsers() {}

  /** true/false, yes/no, on/off, 1/0 (case-insensitive). */
  public static Boolean bool(String raw) {
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> Boolean.TRUE;
      case "false", "no", "off", "0" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("expected true or false, got '" + raw + "'");
    };
  }

  /** At least 16 printable ASCII characters without spaces (it travels in an Authorization header). */
  public static String adminToken(String raw) {
    String token = raw.strip();
    if (token.length() < MIN_ADMIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException("must be at least " + MIN_ADMIN_TOKEN_LENGTH + " characters");
    }
    for (char c : token.toCharArray()) {
      if (c <= ' ' || c > '~') {
        throw new IllegalArgumentException("must be printable ASCII without spaces");
      }
    }
    return token;
  }
}
