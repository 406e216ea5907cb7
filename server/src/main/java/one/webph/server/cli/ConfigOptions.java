package one.webph.server.cli;

import java.nio.file.Path;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigLoader;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option, mixed into every command. */
public final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "Configuration file (KEY=VALUE lines); default: DATA_DIR/webphone.conf if it exists.")
  Path file;

  /** Loads defaults < file < environment. Throws ConfigException on a bad value. */
  public Config load() {
    return ConfigLoader.load(System.getenv(), file);
  }
}
