package one.webph.server.sip;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parsers for the SIP configuration keys declared in {@code ConfigKeys} (boolean flags, CIDR lists, lists of
 * User-Agent fragments). They throw {@link IllegalArgumentException} with a short reason, as config parsers do.
 */
public final class SipConfigParsers {
  private SipConfigParsers() {}

  /** true/false, yes/no, on/off, 1/0 (case-insensitive). */
  public static Boolean bool(String raw) {
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> Boolean.TRUE;
      case "false", "no", "off", "0" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("expected true or false, got '" + raw + "'");
    };
  }

  /** Comma-separated IP addresses or CIDR blocks (IPv4 or IPv6); empty = none. Returned normalised. */
  public static List<String> cidrList(String raw) {
    List<String> out = new ArrayList<>();
    for (String part : raw.split(",")) {
      String item = part.strip();
      if (!item.isEmpty()) {
        out.add(Cidr.parse(item).toString());
      }
    }
    return List.copyOf(out);
  }

  /** Comma-separated case-insensitive User-Agent fragments; {@code none} = an empty list. */
  public static List<String> userAgentFragments(String raw) {
    List<String> out = new ArrayList<>();
    if (raw.strip().equalsIgnoreCase("none")) {
      return List.of();
    }
    for (String part : raw.split(",")) {
      String item = part.strip().toLowerCase(Locale.ROOT);
      if (!item.isEmpty()) {
        if (item.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
          throw new IllegalArgumentException("User-Agent fragment must be printable ASCII: '" + part + "'");
        }
        out.add(item);
      }
    }
    return List.copyOf(out);
  }

  /** Comma-separated digest algorithms (SHA-256, MD5), at least one, no duplicates; normalised. */
  public static List<String> digestAlgorithms(String raw) {
    List<String> out = new ArrayList<>();
    for (String part : raw.split(",")) {
      String item = part.strip();
      if (item.isEmpty()) {
        continue;
      }
      DigestAlgorithm algorithm = DigestAlgorithm.fromToken(item);
      if (algorithm == null) {
        throw new IllegalArgumentException("unsupported digest algorithm '" + item + "' (SHA-256 or MD5)");
      }
      if (out.contains(algorithm.token())) {
        throw new IllegalArgumentException("digest algorithm " + algorithm.token() + " listed twice");
      }
      out.add(algorithm.token());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("at least one digest algorithm is needed");
    }
    return List.copyOf(out);
  }
}
