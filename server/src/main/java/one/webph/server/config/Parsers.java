package one.webph.server.config;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** Parsers/validators for configuration values. Each throws IllegalArgumentException with a short reason. */
final class Parsers {
  private Parsers() {}

  private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+=*");

  static int integer(String raw, int min, int max) {
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + raw + "' is not a whole number");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(value + " is out of range " + min + "-" + max);
    }
    return value;
  }

  /** A TCP/UDP port; 0 means "any free port" (used by tests). */
  static int port(String raw) {
    return integer(raw, 0, 65535);
  }

  static int nonZeroPort(String raw) {
    return integer(raw, 1, 65535);
  }

  static String hostname(String raw) {
    String host = raw.trim().toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (IPV4.matcher(host).matches()) {
      return host;
    }
    if (host.isEmpty() || host.length() > 253) {
      throw new IllegalArgumentException("'" + raw + "' is not a valid host name");
    }
    for (String label : host.split("\\.", -1)) {
      if (!HOST_LABEL.matcher(label).matches()) {
        throw new IllegalArgumentException("'" + raw + "' is not a valid host name");
      }
    }
    return host;
  }

  /** An IPv4 or IPv6 literal. Never resolves names (no DNS lookups during configuration). */
  static String ipAddress(String raw) {
    String ip = raw.trim();
    if (IPV4.matcher(ip).matches()) {
      return ip;
    }
    if (ip.contains(":") && IPV6_CHARS.matcher(ip).matches()) {
      try {
        return InetAddress.getByName(ip).getHostAddress();
      } catch (UnknownHostException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException("'" + raw + "' is not an IPv4 or IPv6 address");
  }

  static Path path(String raw) {
    try {
      return Path.of(raw.trim()).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("'" + raw + "' is not a valid path");
    }
  }

  private static Object readPem(Path path, String what) {
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException("cannot read " + what + " file " + path);
    }
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object first = parser.readObject();
      if (first == null) {
        throw new IllegalArgumentException(path + " contains no PEM " + what);
      }
      return first;
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException(path + " is not a valid PEM " + what + " (" + e.getMessage() + ")");
    }
  }

  static Path pemCertificate(String raw) {
    Path path = path(raw);
    Object pem = readPem(path, "certificate");
    if (!(pem instanceof X509CertificateHolder)) {
      throw new IllegalArgumentException(path + " does not start with a PEM CERTIFICATE");
    }
    return path;
  }

  static Path pemPrivateKey(String raw) {
    Path path = path(raw);
    Object pem = readPem(path, "private key");
    if (pem instanceof PEMEncryptedKeyPair || pem instanceof PKCS8EncryptedPrivateKeyInfo) {
      throw new IllegalArgumentException(path + " is an encrypted private key; give an unencrypted one");
    }
    if (!(pem instanceof PEMKeyPair || pem instanceof PrivateKeyInfo)) {
      throw new IllegalArgumentException(path + " does not contain a PEM private key");
    }
    return path;
  }

  /** A JDBC URL for H2 or MariaDB/MySQL; {@code jdbc:mysql:} is rewritten to {@code jdbc:mariadb:}. */
  static String jdbcUrl(String raw) {
    String url = raw.trim();
    if (url.startsWith("jdbc:mysql:")) {
      url = "jdbc:mariadb:" + url.substring("jdbc:mysql:".length());
    }
    if (url.startsWith("jdbc:mariadb:")) {
      if (!url.matches("jdbc:mariadb:(loadbalance:|sequential:|replication:)?//[^/?\\s]+/[^?\\s]+(\\?\\S*)?")) {
        throw new IllegalArgumentException(
            "'" + raw + "' is not a valid MariaDB URL (expected jdbc:mariadb://HOST[:PORT]/DATABASE)");
      }
    } else if (url.startsWith("jdbc:h2:")) {
      if (url.length() == "jdbc:h2:".length() || url.contains(" ")) {
        throw new IllegalArgumentException("'" + raw + "' is not a valid H2 URL");
      }
    } else {
      throw new IllegalArgumentException("'" + raw + "' is not a supported JDBC URL (jdbc:h2:... or jdbc:mariadb://...)");
    }
    try {
      Driver driver = DriverManager.getDriver(url);
      if (!driver.acceptsURL(url)) {
        throw new IllegalArgumentException("'" + raw + "' is not accepted by the JDBC driver");
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException("'" + raw + "' is not accepted by any JDBC driver");
    }
    return url;
  }

  static List<String> prefixes(String raw) {
    LinkedHashSet<String> prefixes = new LinkedHashSet<>();
    for (String part : raw.split(",", -1)) {
      String prefix = part.trim();
      if (!DIGITS.matcher(prefix).matches() || prefix.length() > 15) {
        throw new IllegalArgumentException(
            "'" + part.trim() + "' is not a number prefix (1-15 digits; list separated by commas)");
      }
      if (!prefixes.add(prefix)) {
        throw new IllegalArgumentException("prefix " + prefix + " is listed twice");
      }
    }
    List<String> list = new ArrayList<>(prefixes);
    for (String a : list) {
      for (String b : list) {
        if (!a.equals(b) && b.startsWith(a)) {
          throw new IllegalArgumentException("prefix " + a + " is a prefix of " + b + " (numbers would be ambiguous)");
        }
      }
    }
    return List.copyOf(list);
  }

  static PortRange portRange(String raw) {
    String[] parts = raw.trim().split("-", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("'" + raw + "' is not a port range FIRST-LAST");
    }
    int first = integer(parts[0], 1, 65535);
    int last = integer(parts[1], 1, 65535);
    if (last - first < 1) {
      throw new IllegalArgumentException("'" + raw + "' must span at least two ports, first < last");
    }
    return new PortRange(first, last);
  }

  /**
   * Log level by name, or the original Kamailio numeric debug level (DEBUG_LEVEL): -1 or lower error, 0 warn,
   * 1-2 info, 3 debug, 4+ trace.
   */
  static String logLevel(String raw) {
    String level = raw.trim().toLowerCase(Locale.ROOT);
    if (level.matches("-?[0-9]+")) {
      int n = Integer.parseInt(level);
      return n <= -1 ? "error" : n == 0 ? "warn" : n <= 2 ? "info" : n == 3 ? "debug" : "trace";
    }
    if (level.equals("warning")) {
      return "warn";
    }
    if (!List.of("error", "warn", "info", "debug", "trace").contains(level)) {
      throw new IllegalArgumentException("'" + raw + "' is not one of error, warn, info, debug, trace");
    }
    return level;
  }

  static byte[] base64Url(String raw) {
    String value = raw.trim();
    if (!BASE64URL.matcher(value).matches()) {
      throw new IllegalArgumentException("is not base64url");
    }
    try {
      return Base64.getUrlDecoder().decode(value.replace("=", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("is not base64url");
    }
  }

  /** VAPID public key: an uncompressed P-256 point (65 bytes starting with 0x04), base64url. */
  static String vapidPublicKey(String raw) {
    byte[] key = base64Url(raw);
    if (key.length != 65 || key[0] != 0x04) {
      throw new IllegalArgumentException("must be a base64url uncompressed P-256 public key (65 bytes), got "
          + key.length + " bytes");
    }
    return raw.trim();
  }

  /** VAPID private key: the 32-byte P-256 scalar, base64url. */
  static String vapidPrivateKey(String raw) {
    byte[] key = base64Url(raw);
    if (key.length != 32) {
      throw new IllegalArgumentException("must be a base64url P-256 private key (32 bytes), got " + key.length + " bytes");
    }
    return raw.trim();
  }

  static String contactUri(String raw) {
    String value = raw.trim();
    if (!(value.startsWith("mailto:") && value.length() > 7) && !value.startsWith("https://")) {
      throw new IllegalArgumentException("'" + raw + "' must be a mailto: or https: URI");
    }
    return value;
  }

  static String text(String raw) {
    return raw;
  }
}
