package one.webph.server;

import java.io.PrintWriter;
import one.webph.server.cli.ConfigCommand;
import one.webph.server.cli.DbCommand;
import one.webph.server.cli.NumbersCommand;
import one.webph.server.cli.ServeCommand;
import one.webph.server.config.ConfigException;
import one.webph.server.db.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Command line: {@code webphone serve} runs the server; {@code numbers}, {@code db}, {@code config} administer it.
 * Exit codes: 0 success, 1 failure, 2 configuration or usage error (one line on stderr, no stack trace).
 */
@Command(name = "webphone", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "webph.one server: web app, number allocation, SIP registrar/proxy, media relay, web push.",
    subcommands = {ServeCommand.class, NumbersCommand.class, DbCommand.class, ConfigCommand.class,
        one.webph.server.acme.AcmeCommand.class,
        one.webph.server.migration.ImportCommand.class,
        one.webph.server.peers.PeersCommand.class,
        one.webph.server.calls.CallsCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_CONFIG = 2;

  public static void main(String[] args) {
    int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    System.exit(code);
  }

  /** Runs a command line and returns the exit code (used by tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setOut(out).setErr(err);
    commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof ConfigException config) {
        err.println("webphone: configuration error: " + config.getMessage());
        return EXIT_CONFIG;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        err.println("webphone: error: " + e.getMessage());
        return EXIT_FAILURE;
      }
      if (Database.isUnavailable(e)) {
        err.println("webphone: error: database unavailable: " + rootMessage(e));
        return EXIT_FAILURE;
      }
      err.println("webphone: error: " + rootMessage(e));
      if (Boolean.getBoolean("webphone.stacktraces")) {
        e.printStackTrace(err);
      }
      return EXIT_FAILURE;
    });
    return commandLine.execute(args);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    return message.lines().findFirst().orElse(message);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"webphone " + ServerApp.version()};
    }
  }
}
