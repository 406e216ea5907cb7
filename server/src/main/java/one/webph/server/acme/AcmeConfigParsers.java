package one.webph.server.acme;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parsers for the ACME configuration keys declared in {@code ConfigKeys}. Like every config parser they throw
 * {@link IllegalArgumentException} with a short reason and never touch the network.
 */
public final class AcmeConfigParsers {
  private AcmeConfigParsers() {}

  /** Let's Encrypt production directory (RFC 8555 section 7.1.1). */
  public static final String LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
  /** Let's Encrypt staging: untrusted certificates, generous rate limits; for trying a setup out. */
  public static final String LETSENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){3}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s,<>]+@[^@\\s,<>]+\\.[^@\\s,<>]+");

  /** true/false, yes/no, on/off, 1/0 (case-insensitive). */
  public static Boolean bool(String raw) {
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> Boolean.TRUE;
      case "false", "no", "off", "0" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("expected true or false, got '" + raw + "'");
    };
  }

  /** {@code letsencrypt}, {@code letsencrypt-staging} or an https:// directory URL; returns the URL. */
  public static URI directory(String raw) {
    String value = raw.strip();
    switch (value.toLowerCase(Locale.ROOT)) {
      case "letsencrypt":
        return URI.create(LETSENCRYPT);
      case "letsencrypt-staging":
        return URI.create(LETSENCRYPT_STAGING);
      default:
        break;
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + raw + "' is not a URL");
    }
    // RFC 8555 section 6.1: all ACME communication is over HTTPS.
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + raw
          + "' must be letsencrypt, letsencrypt-staging or an https:// directory URL");
    }
    return uri;
  }

  /** An e-mail address for the account contact (a {@code mailto:} prefix is accepted and dropped). */
  public static String email(String raw) {
    String value = raw.strip();
    if (value.regionMatches(true, 0, "mailto:", 0, 7)) {
      value = value.substring(7);
    }
    if (!EMAIL.matcher(value).matches()) {
      throw new IllegalArgumentException("'" + raw + "' is not an e-mail address");
    }
    return value;
  }

  /**
   * Comma-separated DNS names (lower-cased, duplicates dropped, order kept). ACME HTTP-01 cannot validate
   * wildcards or IP addresses, so those are refused here rather than failing at the CA.
   */
  public static List<String> domains(String raw) {
    Set<String> names = new LinkedHashSet<>();
    for (String part : raw.split(",")) {
      String name = part.strip().toLowerCase(Locale.ROOT);
      if (name.endsWith(".")) {
        name = name.substring(0, name.length() - 1);
      }
      if (name.isEmpty()) {
        continue;
      }
      if (name.startsWith("*.")) {
        throw new IllegalArgumentException("'" + name + "': wildcard names need DNS-01, only HTTP-01 is supported");
      }
      if (IPV4.matcher(name).matches() || name.contains(":")) {
        throw new IllegalArgumentException("'" + name + "': IP addresses cannot be validated with HTTP-01");
      }
      if (name.length() > 253) {
        throw new IllegalArgumentException("'" + name + "' is too long for a DNS name");
      }
      for (String label : name.split("\\.", -1)) {
        if (!LABEL.matcher(label).matches()) {
          throw new IllegalArgumentException("'" + name + "' is not a valid DNS name");
        }
      }
      names.add(name);
    }
    return List.copyOf(new ArrayList<>(names));
  }

  /** A readable PEM file with at least one certificate (checked again, strictly, when ACME starts). */
  public static Path pemFile(String raw) {
    Path path;
    try {
      path = Path.of(raw.strip()).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + raw + "' is not a valid path");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException("cannot read " + path);
    }
    return path;
  }
}
