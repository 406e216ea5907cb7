package one.webph.server.media;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parsers for the media configuration keys declared in {@code ConfigKeys}. They throw
 * {@link IllegalArgumentException} with a short reason, as config parsers do, and never resolve names.
 */
public final class MediaConfigParsers {
  private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

  private MediaConfigParsers() {}

  /**
   * The NG control address of an external relay (our standalone relay or RTPEngine's {@code --listen-ng}):
   * {@code host:port} or {@code [ipv6]:port}; an empty value means "use the in-process relay" (null).
   * Returned normalised (host lower case, IPv6 in brackets).
   */
  public static String ngAddress(String raw) {
    String value = raw.strip();
    if (value.isEmpty()) {
      return null;
    }
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("'" + raw + "' is not [IPv6]:port");
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
      if (host.isEmpty() || !IPV6_CHARS.matcher(host).matches() || !host.contains(":")) {
        throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
      }
    } else {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || value.indexOf(':') != colon) {
        throw new IllegalArgumentException("'" + raw + "' is not host:port (write IPv6 as [address]:port)");
      }
      host = value.substring(0, colon).toLowerCase(Locale.ROOT);
      port = value.substring(colon + 1);
      if (host.length() > 253) {
        throw new IllegalArgumentException("'" + host + "' is not a valid host name");
      }
      for (String label : host.split("\\.", -1)) {
        if (!HOST_LABEL.matcher(label).matches()) {
          throw new IllegalArgumentException("'" + host + "' is not a valid host name");
        }
      }
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + port + "' is not a port number");
    }
    if (number < 1 || number > 65535) {
      throw new IllegalArgumentException("port " + number + " is out of range 1-65535");
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + number;
  }

  /** Host part of a value returned by {@link #ngAddress} (without IPv6 brackets). */
  static String ngHost(String address) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  /** Port part of a value returned by {@link #ngAddress}. */
  static int ngPort(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
