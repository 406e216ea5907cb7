package one.webph.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The effective configuration: typed, immutable, validated. Build it with {@link ConfigLoader}. Every key is
 * declared in {@link ConfigKeys}; {@link #get(ConfigKey)} reads any of them, the named getters are conveniences.
 */
public final class Config {
  private final Map<String, Object> values;
  private final Map<String, String> sources;
  private final List<String> notices;
  private final Path file;
  private final Map<String, String> familyEntries;

  Config(Map<String, Object> values, Map<String, String> sources, List<String> notices, Path file,
      Map<String, String> familyEntries) {
    this.values = Map.copyOf(values);
    this.sources = Map.copyOf(sources);
    this.notices = List.copyOf(notices);
    this.file = file;
    this.familyEntries = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(familyEntries));
  }

  /**
   * The raw entries of a key family (see {@link ConfigLoader#FAMILIES}) whose names start with {@code prefix},
   * e.g. {@code family("PEER_")}, sorted by name; the owning component parses them.
   */
  public Map<String, String> family(String prefix) {
    Map<String, String> out = new java.util.TreeMap<>();
    familyEntries.forEach((name, value) -> {
      if (name.startsWith(prefix)) {
        out.put(name, value);
      }
    });
    return out;
  }

  /** The value of a key, or null when an optional key is unset. */
  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key.name());
  }

  public <T> Optional<T> optional(ConfigKey<T> key) {
    return Optional.ofNullable(get(key));
  }

  /** Where a key's value came from: "default", "environment WEBPHONE_X", "webphone.conf:3"... */
  public String source(ConfigKey<?> key) {
    return sources.getOrDefault(key.name(), "unset");
  }

  /** Legacy-name notices and unknown-key warnings collected while loading, to be logged once at startup. */
  public List<String> notices() {
    return notices;
  }

  /** The configuration file that was read, if any. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** A copy with some canonical keys replaced (re-validated). */
  public Config with(Map<String, String> overrides) {
    Map<String, String> raw = new LinkedHashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      Object value = values.get(key.name());
      if (value != null && !"default".equals(sources.get(key.name()))) {
        raw.put(key.name(), rawText(value));
      }
    }
    raw.putAll(familyEntries);
    raw.putAll(overrides);
    return ConfigLoader.fromValues(raw);
  }

  private static String rawText(Object value) {
    if (value instanceof List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    return String.valueOf(value);
  }

  public String domain() {
    return get(ConfigKeys.DOMAIN);
  }

  public Path dataDir() {
    return get(ConfigKeys.DATA_DIR);
  }

  public String bindAddress() {
    return get(ConfigKeys.BIND_ADDRESS);
  }

  public Optional<String> publicIp() {
    return optional(ConfigKeys.PUBLIC_IP);
  }

  public int httpPort() {
    return get(ConfigKeys.HTTP_PORT);
  }

  public int httpsPort() {
    return get(ConfigKeys.HTTPS_PORT);
  }

  public int sipPort() {
    return get(ConfigKeys.SIP_PORT);
  }

  public int sipsPort() {
    return get(ConfigKeys.SIPS_PORT);
  }

  /** Dedicated plain SIP WebSocket port; empty when off or equal to HTTP_PORT (already served there). */
  public OptionalInt wsPort() {
    Integer port = get(ConfigKeys.WS_PORT);
    return port == null || port == httpPort() ? OptionalInt.empty() : OptionalInt.of(port);
  }

  /** Dedicated secure SIP WebSocket port; empty when off or equal to HTTPS_PORT (already served there). */
  public OptionalInt wssPort() {
    Integer port = get(ConfigKeys.WSS_PORT);
    return port == null || port == httpsPort() ? OptionalInt.empty() : OptionalInt.of(port);
  }

  public PortRange mediaPorts() {
    return get(ConfigKeys.MEDIA_PORTS);
  }

  /** The JDBC URL; default an H2 file database in DATA_DIR, reachable by other processes (AUTO_SERVER). */
  public String dbUrl() {
    String url = get(ConfigKeys.DB_URL);
    if (url != null) {
      return url;
    }
    return "jdbc:h2:file:" + dataDir().resolve("webphone").toString().replace('\\', '/') + ";AUTO_SERVER=TRUE";
  }

  public Optional<String> dbUser() {
    return optional(ConfigKeys.DB_USER);
  }

  public Optional<String> dbPassword() {
    return optional(ConfigKeys.DB_PASSWORD);
  }

  public Optional<Path> tlsCert() {
    return optional(ConfigKeys.TLS_CERT);
  }

  public Optional<Path> tlsKey() {
    return optional(ConfigKeys.TLS_KEY);
  }

  public List<String> numberPrefixes() {
    return get(ConfigKeys.NUMBER_PREFIXES);
  }

  public int numberDigits() {
    return get(ConfigKeys.NUMBER_DIGITS);
  }

  /** Allocations per client IP per hour; 0 = unlimited. */
  public int numberRateLimit() {
    return get(ConfigKeys.NUMBER_RATE_LIMIT);
  }

  public String logLevel() {
    return get(ConfigKeys.LOG_LEVEL);
  }

  public Optional<String> pushPublic() {
    return optional(ConfigKeys.PUSH_PUBLIC);
  }

  public Optional<String> pushPrivate() {
    return optional(ConfigKeys.PUSH_PRIVATE);
  }

  public Optional<String> pushSecret() {
    return optional(ConfigKeys.PUSH_SECRET);
  }

  public String pushContact() {
    String contact = get(ConfigKeys.PUSH_CONTACT);
    return contact != null ? contact : "mailto:webmaster@" + domain();
  }

  public int pushHoldSeconds() {
    return get(ConfigKeys.PUSH_HOLD_SECONDS);
  }

  /** The public secure WebSocket URL of the SIP service, as the app uses it. */
  public String wsUrl(int actualHttpsPort) {
    return "wss://" + domain() + (actualHttpsPort == 443 ? "" : ":" + actualHttpsPort) + "/";
  }

  /** Checks rules that involve several keys. */
  void validateCombinations() {
    if (tlsCert().isPresent() != tlsKey().isPresent()) {
      String missing = tlsCert().isPresent() ? "TLS_KEY" : "TLS_CERT";
      throw new ConfigException(missing, "must be set together with "
          + (missing.equals("TLS_KEY") ? "TLS_CERT" : "TLS_KEY"));
    }
    if (pushPublic().isPresent() != pushPrivate().isPresent()) {
      String missing = pushPublic().isPresent() ? "PUSH_PRIVATE" : "PUSH_PUBLIC";
      throw new ConfigException(missing, "must be set together with "
          + (missing.equals("PUSH_PRIVATE") ? "PUSH_PUBLIC" : "PUSH_PRIVATE"));
    }
    // TCP listeners must not collide (0 = any free port never collides).
    List<ConfigKey<Integer>> tcp = new ArrayList<>(List.of(ConfigKeys.HTTP_PORT, ConfigKeys.HTTPS_PORT,
        ConfigKeys.SIP_PORT, ConfigKeys.SIPS_PORT));
    if (wsPort().isPresent()) {
      tcp.add(ConfigKeys.WS_PORT);
    }
    if (wssPort().isPresent()) {
      tcp.add(ConfigKeys.WSS_PORT);
    }
    Map<Integer, ConfigKey<Integer>> used = new LinkedHashMap<>();
    for (ConfigKey<Integer> key : tcp) {
      int port = get(key);
      if (port == 0) {
        continue;
      }
      ConfigKey<Integer> other = used.putIfAbsent(port, key);
      if (other != null) {
        throw new ConfigException(key.name(), "port " + port + " is already used by " + other.name());
      }
    }
    if (!get(ConfigKeys.MEDIA_RELAY) && get(ConfigKeys.MEDIA_NG) != null) {
      throw new ConfigException(ConfigKeys.MEDIA_NG.name(), "is set but MEDIA_RELAY is false (no relay to drive)");
    }
    PortRange media = mediaPorts();
    if (sipPort() != 0 && media.contains(sipPort())) {
      throw new ConfigException(ConfigKeys.MEDIA_PORTS.name(), media + " contains SIP_PORT " + sipPort());
    }
  }

  /** KEY=value lines of the effective configuration, secrets masked, with sources. */
  public String describe() {
    StringBuilder out = new StringBuilder();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      Object value = values.get(key.name());
      String shown;
      if (key == ConfigKeys.DB_URL && value == null) {
        shown = dbUrl();
      } else if (key == ConfigKeys.PUSH_CONTACT && value == null) {
        shown = pushContact();
      } else if (value == null) {
        shown = "";
      } else if (key.secret()) {
        shown = "********";
      } else {
        shown = rawText(value);
      }
      out.append(key.name()).append('=').append(shown).append("    # ").append(source(key)).append('\n');
    }
    familyEntries.forEach((name, value) -> out.append(name).append('=')
        .append(name.endsWith("PASSWORD") ? "********" : value).append('\n'));
    return out.toString();
  }
}
