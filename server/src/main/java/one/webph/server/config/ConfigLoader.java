package one.webph.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Config} from three layers, later wins: built-in defaults &lt; {@code webphone.conf} (in DATA_DIR,
 * or the file given with {@code --config}) &lt; environment ({@code WEBPHONE_<KEY>}). Legacy names from the original
 * stack's .env are accepted in the file and the environment, each with a one-line notice.
 */
public final class ConfigLoader {
  public static final String ENV_PREFIX = "WEBPHONE_";
  public static final String FILE_NAME = "webphone.conf";
  /**
   * Prefixes of key families whose full names are not declared in {@link ConfigKeys} (e.g. PEER_VILLAGE_TARGET):
   * accepted without an unknown-key warning, validated by their component, read with {@link Config#family}.
   */
  public static final List<String> FAMILIES = List.of("PEER_");

  private ConfigLoader() {}

  /** A raw value and where it came from. */
  record Raw(String value, String source) {}

  /**
   * Loads the configuration.
   *
   * @param env the environment (System.getenv() in production)
   * @param explicitFile the {@code --config} file, or null to look for {@code DATA_DIR/webphone.conf}
   * @throws ConfigException on the first invalid value
   */
  public static Config load(Map<String, String> env, Path explicitFile) {
    List<String> notices = new ArrayList<>();
    Map<String, ConfigKey<?>> keys = ConfigKeys.byName();
    Map<String, Raw> envLayer = envLayer(env, keys, notices);

    Path file = explicitFile;
    if (file == null) {
      Raw dataDir = envLayer.get(ConfigKeys.DATA_DIR.name());
      Path dir = parseOne(ConfigKeys.DATA_DIR, dataDir != null ? dataDir.value() : ConfigKeys.DATA_DIR.defaultValue());
      Path candidate = dir.resolve(FILE_NAME);
      file = Files.isRegularFile(candidate) ? candidate : null;
    } else if (!Files.isRegularFile(explicitFile) || !Files.isReadable(explicitFile)) {
      throw new ConfigException("--config", "cannot read configuration file " + explicitFile);
    }

    Map<String, Raw> merged = new LinkedHashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      if (key.defaultValue() != null) {
        merged.put(key.name(), new Raw(key.defaultValue(), "default"));
      }
    }
    if (file != null) {
      merged.putAll(fileLayer(file, keys, notices));
    }
    merged.putAll(envLayer);
    return build(merged, notices, file);
  }

  /** Configuration from explicit canonical values over the defaults only (for tests and tools). */
  public static Config fromValues(Map<String, String> values) {
    Map<String, ConfigKey<?>> keys = ConfigKeys.byName();
    Map<String, Raw> merged = new LinkedHashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      if (key.defaultValue() != null) {
        merged.put(key.name(), new Raw(key.defaultValue(), "default"));
      }
    }
    values.forEach((name, value) -> {
      if (!keys.containsKey(name) && !isFamilyKey(name, keys)) {
        throw new ConfigException(name, "unknown configuration key");
      }
      merged.put(name, new Raw(value, "given"));
    });
    return build(merged, new ArrayList<>(), null);
  }

  private static Config build(Map<String, Raw> merged, List<String> notices, Path file) {
    Map<String, Object> values = new HashMap<>();
    Map<String, String> sources = new HashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      Raw raw = merged.get(key.name());
      if (raw == null) {
        continue;
      }
      if (raw.value().isBlank()) {
        if (key.defaultValue() != null) {
          throw new ConfigException(key.name(), "must not be empty (from " + raw.source() + ")");
        }
        continue; // empty optional value = unset
      }
      values.put(key.name(), parseOne(key, raw.value(), raw.source()));
      sources.put(key.name(), raw.source());
    }
    Map<String, String> family = new java.util.TreeMap<>();
    merged.forEach((name, raw) -> {
      if (isFamilyKey(name, ConfigKeys.byName())) {
        family.put(name, raw.value());
      }
    });
    Config config = new Config(values, sources, notices, file, family);
    config.validateCombinations();
    return config;
  }

  private static <T> T parseOne(ConfigKey<T> key, String raw) {
    return parseOne(key, raw, "default");
  }

  private static <T> T parseOne(ConfigKey<T> key, String raw, String source) {
    try {
      return key.parse(raw);
    } catch (IllegalArgumentException e) {
      String where = source.equals("default") || source.equals("given") ? "" : " (from " + source + ")";
      throw new ConfigException(key.name(), e.getMessage() + where);
    }
  }

  private static Map<String, Raw> envLayer(Map<String, String> env, Map<String, ConfigKey<?>> keys,
      List<String> notices) {
    Map<String, Raw> canonical = new LinkedHashMap<>();
    Map<String, Raw> legacy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (name.startsWith(ENV_PREFIX)) {
        String bare = name.substring(ENV_PREFIX.length());
        if (keys.containsKey(bare) || isFamilyKey(bare, keys)) {
          canonical.put(bare, new Raw(e.getValue(), "environment " + name));
        } else {
          notices.add("warning: unknown configuration variable " + name + " ignored");
        }
      }
    }
    for (ConfigKey<?> key : ConfigKeys.all()) {
      for (String alias : key.aliases()) {
        String value = env.get(alias);
        if (value != null && !legacy.containsKey(key.name())) {
          legacy.put(key.name(), new Raw(value, "environment " + alias));
          notices.add("notice: environment variable " + alias + " is a legacy name for " + key.envName());
        }
      }
    }
    legacy.putAll(canonical); // the canonical name wins over a legacy one
    return legacy;
  }

  private static Map<String, Raw> fileLayer(Path file, Map<String, ConfigKey<?>> keys, List<String> notices) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("--config", "cannot read configuration file " + file + ": " + e.getMessage());
    }
    Map<String, Raw> canonical = new LinkedHashMap<>();
    Map<String, Raw> legacy = new LinkedHashMap<>();
    Map<String, ConfigKey<?>> aliases = new HashMap<>();
    for (ConfigKey<?> key : ConfigKeys.all()) {
      for (String alias : key.aliases()) {
        aliases.putIfAbsent(alias, key);
      }
    }
    int lineNumber = 0;
    for (String line : lines) {
      lineNumber++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      if (text.startsWith("export ")) {
        text = text.substring("export ".length()).strip();
      }
      int eq = text.indexOf('=');
      String where = file.getFileName() + ":" + lineNumber;
      if (eq <= 0) {
        throw new ConfigException(where, "expected KEY=VALUE, got '" + text + "'");
      }
      String name = text.substring(0, eq).strip();
      String value = unquote(text.substring(eq + 1).strip());
      if (name.startsWith(ENV_PREFIX)) {
        name = name.substring(ENV_PREFIX.length());
      }
      Raw raw = new Raw(value, where);
      if (keys.containsKey(name) || isFamilyKey(name, keys)) {
        canonical.put(name, raw);
      } else if (aliases.containsKey(name)) {
        ConfigKey<?> key = aliases.get(name);
        legacy.putIfAbsent(key.name(), raw);
        notices.add("notice: " + where + ": " + name + " is a legacy name for " + key.name());
      } else {
        notices.add("warning: " + where + ": unknown configuration key " + name + " ignored");
      }
    }
    legacy.putAll(canonical);
    return legacy;
  }

  private static boolean isFamilyKey(String name, Map<String, ConfigKey<?>> keys) {
    return !keys.containsKey(name) && FAMILIES.stream().anyMatch(f -> name.startsWith(f) && name.length() > f.length());
  }

  /** Strips one pair of matching quotes, as .env files often quote values; "#" inside a value is kept. */
  private static String unquote(String value) {
    if (value.length() >= 2) {
      char first = value.charAt(0);
      char last = value.charAt(value.length() - 1);
      if ((first == '"' || first == '\'') && first == last) {
        return value.substring(1, value.length() - 1);
      }
    }
    return value;
  }
}
