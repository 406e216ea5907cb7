package one.webph.server.config;

/**
 * A configuration value is missing or invalid. The message is one line naming the key and the problem, printed
 * as is by the command line (exit code 2), never with a stack trace.
 */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem, null, false, false);
    this.key = key;
  }

  /** The canonical key name (e.g. {@code HTTP_PORT}). */
  public String key() {
    return key;
  }
}
