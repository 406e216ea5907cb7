package one.webph.server.cli;

import java.util.concurrent.Callable;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Print the effective configuration (secrets masked) with where each value came from.")
public final class ConfigCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;

  @Option(names = "--docs", description = "Print the Markdown table of all keys (as in docs/CONFIG.md).")
  boolean docs;

  @Override
  public Integer call() {
    if (docs) {
      System.out.print(ConfigKeys.markdownTable());
      return 0;
    }
    Config config = configOptions.load();
    config.notices().forEach(notice -> System.err.println(notice));
    System.out.print(config.describe());
    return 0;
  }
}
