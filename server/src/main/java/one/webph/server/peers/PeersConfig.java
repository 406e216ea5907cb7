package one.webph.server.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import one.webph.server.config.ConfigException;
import one.webph.server.sip.Cidr;

/**
 * Reads the community peers from {@code PEER_<NAME>_<FIELD>=value} entries (webphone.conf, the environment as
 * WEBPHONE_PEER_..., or the PEERS_FILE). Fields:
 * <pre>
 * PEER_VILLAGE_KIND=static              static (default) | registered | conference
 * PEER_VILLAGE_MATCH=prefix:999200,regex:^52[0-9]{3}$   prefixes (bare digits also) and whole-number regexes
 * PEER_VILLAGE_TARGET=udp:10.0.0.5:5060 [udp|tcp|tls:]host[:port]
 * PEER_VILLAGE_FAILOVER=tcp:10.0.0.6    used while the target is down
 * PEER_VILLAGE_STRIP=6  PEER_VILLAGE_PREPEND=0   dialed-number rewriting
 * PEER_VILLAGE_USER=.. PEER_VILLAGE_PASSWORD=..  outbound credentials (registered: the number's password)
 * PEER_VILLAGE_NUMBER=999300001          registered: the subscriber number the gateway registers with
 * PEER_VILLAGE_TRUSTED=10.0.0.0/24,192.0.2.7     sources accepted without digest authentication
 * PEER_VILLAGE_CODECS=PCMU,PCMA, GSM     codecs the network accepts (offers to it carry only these + DTMF)
 * </pre>
 * Every problem is a {@link ConfigException} naming the key.
 */
public final class PeersConfig {
  static final String PREFIX = "PEER_";
  private static final List<String> FIELDS = List.of("KIND", "MATCH", "TARGET", "FAILOVER", "STRIP", "PREPEND",
      "USER", "PASSWORD", "NUMBER", "TRUSTED", "CODECS");
  private static final Pattern NAME = Pattern.compile("[A-Z0-9][A-Z0-9_]{0,39}");
  private static final Pattern DIGITS = Pattern.compile("[0-9+*#]{1,32}");

  private PeersConfig() {}

  /**
   * The peers defined by {@code entries} (PEER_* names to raw values), sorted by name.
   *
   * @param conferencePrefix numbers a conference peer receives when it has no MATCH
   */
  public static List<Peer> parse(Map<String, String> entries, String conferencePrefix) {
    Map<String, Map<String, String>> byPeer = new TreeMap<>();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      String field = FIELDS.stream().filter(f -> key.endsWith("_" + f)).findFirst()
          .orElseThrow(() -> new ConfigException(key, "unknown peer field (expected PEER_<NAME>_ followed by one of "
              + String.join(", ", FIELDS) + ")"));
      String name = key.substring(PREFIX.length(), key.length() - field.length() - 1);
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException(key, "peer name must be letters, digits and '_' (PEER_<NAME>_" + field + ")");
      }
      byPeer.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(field, e.getValue().strip());
    }
    List<Peer> peers = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> e : byPeer.entrySet()) {
      peers.add(peer(e.getKey(), e.getValue(), conferencePrefix));
    }
    return List.copyOf(peers);
  }

  /** The PEER_* lines of a peers file (KEY=VALUE, # comments, optional quotes; other keys are an error). */
  public static Map<String, String> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("PEERS_FILE", "cannot read " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    int n = 0;
    for (String line : lines) {
      n++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      int eq = text.indexOf('=');
      String name = eq <= 0 ? "" : text.substring(0, eq).strip();
      if (name.startsWith("WEBPHONE_")) {
        name = name.substring("WEBPHONE_".length());
      }
      if (!name.startsWith(PREFIX)) {
        throw new ConfigException("PEERS_FILE", file.getFileName() + ":" + n + ": expected PEER_<NAME>_<FIELD>=VALUE");
      }
      String value = text.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
          && value.charAt(value.length() - 1) == value.charAt(0)) {
        value = value.substring(1, value.length() - 1);
      }
      out.put(name, value);
    }
    return out;
  }

  private static Peer peer(String upperName, Map<String, String> f, String conferencePrefix) {
    String key = PREFIX + upperName + "_";
    Peer.Kind kind;
    try {
      kind = f.containsKey("KIND") ? Peer.Kind.parse(f.get("KIND")) : Peer.Kind.STATIC;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + "KIND", e.getMessage());
    }
    List<String> prefixes = new ArrayList<>();
    List<Pattern> patterns = new ArrayList<>();
    if (f.containsKey("MATCH")) {
      parseMatch(key + "MATCH", f.get("MATCH"), prefixes, patterns);
    } else if (kind == Peer.Kind.CONFERENCE) {
      prefixes.add(conferencePrefix);
    } else if (kind == Peer.Kind.STATIC) {
      throw new ConfigException(key + "MATCH", "is required: the numbers routed to this peer");
    }
    List<Peer.Target> targets = new ArrayList<>();
    for (String field : List.of("TARGET", "FAILOVER")) {
      if (f.containsKey(field)) {
        try {
          targets.add(Peer.Target.parse(f.get(field)));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key + field, e.getMessage());
        }
      }
    }
    if (kind == Peer.Kind.REGISTERED) {
      if (!targets.isEmpty()) {
        throw new ConfigException(key + "TARGET", "a registered peer is reached at its registration, not at a TARGET");
      }
      if (f.get("NUMBER") == null || !f.get("NUMBER").matches("[0-9]{1,32}")) {
        throw new ConfigException(key + "NUMBER", "is required for a registered peer: the number (digits) it registers with");
      }
      if (f.get("PASSWORD") == null || f.get("PASSWORD").length() < 8) {
        throw new ConfigException(key + "PASSWORD", "is required for a registered peer (8+ characters)");
      }
    } else {
      if (!f.containsKey("TARGET")) {
        throw new ConfigException(key + "TARGET", "is required: [udp|tcp|tls:]host[:port] of the peer's SIP server");
      }
      if (f.containsKey("NUMBER")) {
        throw new ConfigException(key + "NUMBER", "only a registered peer has a NUMBER");
      }
    }
    int strip = 0;
    if (f.containsKey("STRIP")) {
      try {
        strip = Integer.parseInt(f.get("STRIP"));
      } catch (NumberFormatException e) {
        strip = -1;
      }
      if (strip < 0 || strip > 32) {
        throw new ConfigException(key + "STRIP", "must be a number of digits 0-32");
      }
    }
    String prepend = f.getOrDefault("PREPEND", "");
    if (!prepend.isEmpty() && !DIGITS.matcher(prepend).matches()) {
      throw new ConfigException(key + "PREPEND", "must be digits (+, * and # allowed)");
    }
    List<Cidr> trusted = new ArrayList<>();
    for (String item : list(f.get("TRUSTED"))) {
      try {
        trusted.add(Cidr.parse(item));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + "TRUSTED", e.getMessage());
      }
    }
    String user = kind == Peer.Kind.REGISTERED ? null : f.get("USER");
    String password = kind == Peer.Kind.REGISTERED ? null : f.get("PASSWORD");
    if ((user == null) != (password == null)) {
      throw new ConfigException(key + (user == null ? "USER" : "PASSWORD"), "USER and PASSWORD go together");
    }
    return new Peer(upperName.toLowerCase(Locale.ROOT), kind, prefixes, patterns, targets, strip, prepend, user,
        password, trusted, list(f.get("CODECS")), kind == Peer.Kind.REGISTERED ? f.get("NUMBER") : null,
        kind == Peer.Kind.REGISTERED ? f.get("PASSWORD") : null);
  }

  /**
   * {@code prefix:999200,regex:^52...,505}: comma-separated prefixes (with or without {@code prefix:}) and
   * regexes; a comma inside a regex (e.g. {@code {1,3}}) stays part of it.
   */
  static void parseMatch(String key, String value, List<String> prefixes, List<Pattern> patterns) {
    List<String> items = new ArrayList<>();
    for (String piece : value.split(",", -1)) {
      String p = piece.strip();
      boolean newItem = p.startsWith("prefix:") || p.startsWith("regex:") || DIGITS.matcher(p).matches();
      if (!newItem && !items.isEmpty() && items.get(items.size() - 1).startsWith("regex:")) {
        items.set(items.size() - 1, items.get(items.size() - 1) + "," + piece);
      } else {
        items.add(p);
      }
    }
    for (String item : items) {
      if (item.startsWith("regex:")) {
        try {
          patterns.add(Pattern.compile(item.substring("regex:".length())));
        } catch (PatternSyntaxException e) {
          throw new ConfigException(key, "bad regex '" + item.substring(6) + "': " + e.getDescription());
        }
      } else {
        String prefix = item.startsWith("prefix:") ? item.substring("prefix:".length()).strip() : item;
        if (!DIGITS.matcher(prefix).matches()) {
          throw new ConfigException(key, "'" + item + "' is neither prefix:DIGITS nor regex:PATTERN");
        }
        prefixes.add(prefix);
      }
    }
    if (prefixes.isEmpty() && patterns.isEmpty()) {
      throw new ConfigException(key, "lists no prefix or regex");
    }
  }

  /** Parser of CONFERENCE_PREFIX: 1-16 digits. */
  public static String digitsPrefix(String value) {
    String v = value.strip();
    if (!v.matches("[0-9]{1,16}")) {
      throw new IllegalArgumentException("must be 1-16 digits, not '" + value + "'");
    }
    return v;
  }

  private static List<String> list(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : value.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }
}
