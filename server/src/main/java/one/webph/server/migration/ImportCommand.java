package one.webph.server.migration;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import one.webph.server.cli.ConfigOptions;
import one.webph.server.cli.Logging;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.push.PushSubscriptionStore;
import one.webph.webpush.VapidKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code webphone import kamailio|webpush}: moves the original stack's accounts and push subscriptions into the
 * configured database (see docs/MIGRATION.md). Both are idempotent and print imported/updated/unchanged/skipped
 * counts, with one warning line on stderr per skipped row.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Import accounts and push subscriptions from the original webph.one stack.",
    subcommands = {ImportCommand.Kamailio.class, ImportCommand.Webpush.class})
public final class ImportCommand {

  @Command(name = "kamailio", mixinStandardHelpOptions = true,
      description = "Import subscribers (numbers and passwords) from a Kamailio database.")
  static final class Kamailio implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Spec CommandSpec spec;

    @Option(names = "--db-url", required = true, paramLabel = "URL",
        description = "Kamailio database, e.g. jdbc:mysql://127.0.0.1:3306/kamailio (jdbc:mariadb: and "
            + "jdbc:sqlite:FILE work too).")
    String dbUrl;
    @Option(names = "--db-user", paramLabel = "USER", description = "Database user (e.g. DBRWUSER of the old .env).")
    String dbUser;
    @Option(names = "--db-password", paramLabel = "PASSWORD", description = "Database password (e.g. DBRWPW).")
    String dbPassword;
    @Option(names = "--domain", paramLabel = "D",
        description = "Import only subscribers of this Kamailio domain (default: all).")
    String domain;

    @Override
    public Integer call() throws SQLException {
      Config config = configOptions.load();
      Logging.quiet();
      ImportCounts counts;
      try (Connection source = KamailioImporter.connect(dbUrl, dbUser, dbPassword);
          Database database = new Database(config, null, null)) {
        database.migrate();
        counts = new KamailioImporter(new SubscriberStore(database, config.domain())).importFrom(source, domain);
      }
      report(spec, "subscribers", counts);
      return 0;
    }
  }

  @Command(name = "webpush", mixinStandardHelpOptions = true,
      description = "Import push subscriptions and VAPID keys from the original push server's SQLite file.")
  static final class Webpush implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Spec CommandSpec spec;

    @Option(names = "--sqlite", required = true, paramLabel = "FILE",
        description = "The push server's database (sqlite.db in its working directory).")
    Path sqlite;
    @Option(names = "--public", paramLabel = "KEY",
        description = "VAPID public key (PUSH_PUBLIC of the old .env); default: the keys stored in the file.")
    String publicKey;
    @Option(names = "--private", paramLabel = "KEY", description = "VAPID private key (PUSH_PRIVATE).")
    String privateKey;
    @Option(names = "--force", description = "Replace an existing DATA_DIR/vapid.keys holding other keys.")
    boolean force;

    @Override
    public Integer call() throws SQLException, IOException {
      if ((publicKey == null) != (privateKey == null)) {
        throw new IllegalArgumentException("--public and --private are given together");
      }
      Config config = configOptions.load();
      Logging.quiet();
      List<WebpushImporter.PushRow> rows;
      try (Connection source = WebpushImporter.openSqlite(sqlite)) {
        rows = WebpushImporter.read(source);
      }
      VapidKeys keys = publicKey != null ? parseKeys(publicKey, privateKey)
          : WebpushImporter.keysOf(rows).orElseThrow(() -> new IllegalArgumentException(
              "the SQLite file stores no VAPID keys: pass --public and --private (PUSH_PUBLIC and PUSH_PRIVATE "
                  + "of the old .env)"));
      // Configured keys take precedence over the file in the server: they must be these keys or be removed.
      if (config.pushPublic().isPresent() && !config.pushPublic().get().equals(keys.publicKeyBase64Url())) {
        throw new IllegalStateException("the configuration sets PUSH_PUBLIC to another key than the imported one ("
            + keys.publicKeyBase64Url() + "), and the server would use it: remove PUSH_PUBLIC and PUSH_PRIVATE or "
            + "set them to the imported keys");
      }
      Path keyFile = config.dataDir().resolve(VapidKeyFile.FILE_NAME);
      VapidKeyFile.Outcome keyOutcome = VapidKeyFile.install(keyFile, keys, force);
      ImportCounts counts;
      try (Database database = new Database(config, null, null)) {
        database.migrate();
        counts = new WebpushImporter(new PushSubscriptionStore(database), new SubscriberStore(database, config.domain()))
            .importRows(rows, keys);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("VAPID keys " + switch (keyOutcome) {
        case WRITTEN -> "written to " + keyFile;
        case UNCHANGED -> "unchanged in " + keyFile;
        case REPLACED -> "replaced in " + keyFile + " (--force)";
      } + " (public key " + keys.publicKeyBase64Url() + ")");
      report(spec, "push subscriptions", counts);
      return 0;
    }

    private static VapidKeys parseKeys(String publicKey, String privateKey) {
      try {
        return VapidKeys.fromBase64Url(publicKey.strip(), privateKey.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--public/--private: " + e.getMessage(), e);
      }
    }
  }

  static void report(CommandSpec spec, String what, ImportCounts counts) {
    PrintWriter err = spec.commandLine().getErr();
    for (String warning : counts.warnings()) {
      err.println("warning: " + warning);
    }
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.println(what + ": " + counts.summary());
    out.flush();
  }
}
