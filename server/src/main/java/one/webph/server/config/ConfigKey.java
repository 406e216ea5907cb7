package one.webph.server.config;

import java.util.List;
import java.util.Objects;

/**
 * One configuration key: its canonical name, default, parser/validator and documentation. The table of all keys
 * is {@link ConfigKeys}; docs/CONFIG.md is checked against it by a test.
 *
 * @param <T> the parsed type
 */
public final class ConfigKey<T> {
  /** Turns a raw string into a typed value; throws {@link IllegalArgumentException} with a short reason. */
  @FunctionalInterface
  public interface Parser<T> {
    T parse(String raw);
  }

  private final String name;
  private final String defaultValue;
  private final String defaultDoc;
  private final Parser<T> parser;
  private final String doc;
  private final List<String> aliases;
  private final boolean secret;

  ConfigKey(String name, String defaultValue, String defaultDoc, Parser<T> parser, String doc,
      List<String> aliases, boolean secret) {
    this.name = Objects.requireNonNull(name);
    this.defaultValue = defaultValue;
    this.defaultDoc = defaultDoc;
    this.parser = Objects.requireNonNull(parser);
    this.doc = Objects.requireNonNull(doc);
    this.aliases = List.copyOf(aliases);
    this.secret = secret;
  }

  /** Canonical name as written in webphone.conf, e.g. {@code HTTP_PORT}. */
  public String name() {
    return name;
  }

  /** Environment variable name, e.g. {@code WEBPHONE_HTTP_PORT}. */
  public String envName() {
    return ConfigLoader.ENV_PREFIX + name;
  }

  /** Raw default, or null when the key is unset by default (optional or derived from other keys). */
  public String defaultValue() {
    return defaultValue;
  }

  /** Default as shown in the documentation (may describe a derived default). */
  public String defaultDoc() {
    return defaultDoc != null ? defaultDoc : defaultValue == null ? "(unset)" : defaultValue;
  }

  public String doc() {
    return doc;
  }

  /** Legacy names (from the original stack's .env) accepted in the conf file and the environment. */
  public List<String> aliases() {
    return aliases;
  }

  /** Secrets are masked when the effective configuration is printed. */
  public boolean secret() {
    return secret;
  }

  T parse(String raw) {
    return parser.parse(raw);
  }

  @Override
  public String toString() {
    return name;
  }
}
