package one.webph.server.peers;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import one.webph.server.sip.Cidr;
import one.webph.sip.message.SipUri;

/**
 * One community network this server exchanges calls and texts with, as configured by the PEER_&lt;NAME&gt;_* keys.
 *
 * @param name the NAME of its keys, lower case (used in logs, metrics, /status and the {@code ;outbound=} parameter)
 * @param kind how it is reached
 * @param prefixes numbers starting with one of these route to it
 * @param patterns numbers matching one of these (whole number) route to it
 * @param targets its SIP server, then the failover one (static and conference peers; empty for registered)
 * @param strip leading digits removed from the dialed number before it is sent
 * @param prepend digits put in front of the number (after stripping)
 * @param user outbound digest user name for the peer's 401/407, or null
 * @param password outbound digest password, or null
 * @param trusted source addresses whose requests to local numbers need no digest authentication
 * @param codecs codec names the network accepts (offers toward it carry only these, plus telephone-event), empty = any
 * @param number the subscriber number a registered gateway registers with, or null
 * @param numberPassword that subscriber's password, or null
 */
public record Peer(String name, Kind kind, List<String> prefixes, List<Pattern> patterns, List<Target> targets,
    int strip, String prepend, String user, String password, List<Cidr> trusted, List<String> codecs,
    String number, String numberPassword) {

  /** How a peer is reached. */
  public enum Kind {
    /** A SIP server at a fixed address (with an optional failover), probed with OPTIONS. */
    STATIC,
    /** A village gateway that registers like a user: calls go to its current registration. */
    REGISTERED,
    /** A conference server (CONFERENCE_PREFIX numbers), reached like a static peer. */
    CONFERENCE;

    static Kind parse(String text) {
      try {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("must be static, registered or conference, not '" + text + "'");
      }
    }
  }

  /** A SIP server address: transport udp/tcp/tls, host (name or IP literal) and port. */
  public record Target(String transport, String host, int port) {
    /** Parses {@code [udp|tcp|tls:]host[:port]} (IPv6 in brackets); the port defaults to 5060, 5061 for TLS. */
    public static Target parse(String text) {
      String s = text.strip();
      String transport = "udp";
      int colon = s.indexOf(':');
      if (colon > 0 && List.of("udp", "tcp", "tls").contains(s.substring(0, colon).toLowerCase(Locale.ROOT))) {
        transport = s.substring(0, colon).toLowerCase(Locale.ROOT);
        s = s.substring(colon + 1);
      }
      String host;
      String portText = null;
      if (s.startsWith("[")) {
        int end = s.indexOf(']');
        if (end < 0) {
          throw new IllegalArgumentException("unclosed '[' in '" + text + "'");
        }
        host = s.substring(0, end + 1);
        if (end + 1 < s.length()) {
          if (s.charAt(end + 1) != ':') {
            throw new IllegalArgumentException("expected ':' after ']' in '" + text + "'");
          }
          portText = s.substring(end + 2);
        }
      } else {
        int last = s.lastIndexOf(':');
        host = last < 0 ? s : s.substring(0, last);
        portText = last < 0 ? null : s.substring(last + 1);
      }
      if (host.isEmpty() || !host.matches("\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+")) {
        throw new IllegalArgumentException("bad host in '" + text + "' (expected [udp|tcp|tls:]host[:port])");
      }
      int port = transport.equals("tls") ? 5061 : 5060;
      if (portText != null) {
        try {
          port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("bad port in '" + text + "'");
        }
      }
      return new Target(transport, host, port);
    }

    /** The SIP URI of this server with {@code user} (null for the server itself, e.g. an OPTIONS probe). */
    public SipUri uri(String user) {
      String text = (transport.equals("tls") ? "sips:" : "sip:") + (user == null ? "" : user + "@") + host + ":"
          + port + (transport.equals("udp") ? "" : ";transport=" + transport);
      return SipUri.parse(text);
    }

    @Override
    public String toString() {
      return transport + ":" + host + ":" + port;
    }
  }

  public Peer {
    prefixes = List.copyOf(prefixes);
    patterns = List.copyOf(patterns);
    targets = List.copyOf(targets);
    trusted = List.copyOf(trusted);
    codecs = List.copyOf(codecs);
    prepend = prepend == null ? "" : prepend;
  }

  /**
   * How well this peer matches a dialed number: the length of the longest matching prefix, 0 for a pattern
   * match, -1 for no match.
   */
  int matchLength(String number) {
    int best = -1;
    for (String prefix : prefixes) {
      if (number.startsWith(prefix)) {
        best = Math.max(best, prefix.length());
      }
    }
    if (best < 0) {
      for (Pattern p : patterns) {
        if (p.matcher(number).matches()) {
          return 0;
        }
      }
    }
    return best;
  }

  /** The number as the peer wants it: {@link #strip} leading digits removed, {@link #prepend} added; null if too short. */
  String rewrite(String number) {
    if (strip > number.length() || strip == number.length() && prepend.isEmpty()) {
      return null;
    }
    return prepend + number.substring(strip);
  }

  /** True when a request from this source IP is from this peer's network. */
  boolean trusts(String ip) {
    for (Cidr c : trusted) {
      if (c.contains(ip)) {
        return true;
      }
    }
    return false;
  }
}
