package one.webph.server.cli;

import java.util.concurrent.Callable;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "db", mixinStandardHelpOptions = true, description = "Database administration.",
    subcommands = {DbCommand.Migrate.class})
public final class DbCommand {
  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Apply pending schema migrations to the configured database.")
  static final class Migrate implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;

    @Override
    public Integer call() {
      Config config = configOptions.load();
      Logging.quiet();
      try (Database database = new Database(config, null, null)) {
        String version = database.migrate();
        System.out.println("database " + database.displayUrl() + " is at schema version " + version);
      }
      return 0;
    }
  }
}
