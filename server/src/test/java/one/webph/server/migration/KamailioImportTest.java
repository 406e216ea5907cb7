package one.webph.server.migration;

import static one.webph.server.migration.MigrationTestSupport.assertLogsIn;
import static one.webph.server.migration.MigrationTestSupport.login;
import static one.webph.server.migration.MigrationTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import one.webph.server.migration.MigrationTestSupport.Run;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.sip.DigestAlgorithm;
import one.webph.server.sip.DigestAuthenticator;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.server.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kamailio databases created in the real MariaDB (and one in SQLite) imported into H2 and MariaDB targets; the
 * imported accounts log in with their original passwords, and a second run changes nothing.
 */
class KamailioImportTest extends DatabaseTestBase {
  private static final String REALM = "webph.one";
  /** auth_db's subscriber table as Kamailio 5.x (table version 7) creates it in MySQL. */
  private static final String KAMAILIO_5_SUBSCRIBER = """
      CREATE TABLE `subscriber` (
          `id` INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
          `username` VARCHAR(64) DEFAULT '' NOT NULL,
          `domain` VARCHAR(64) DEFAULT '' NOT NULL,
          `password` VARCHAR(64) DEFAULT '' NOT NULL,
          `ha1` VARCHAR(128) DEFAULT '' NOT NULL,
          `ha1b` VARCHAR(128) DEFAULT '' NOT NULL,
          CONSTRAINT account_idx UNIQUE (`username`, `domain`)
      )""";

  @TempDir Path dir;

  private final SubscriberStore store = new SubscriberStore(database(), REALM);

  /** A row as kamctl writes it: plain password (or '' when not stored) and both HA1s for the row's domain. */
  private static void kamctlAdd(Connection kamailio, String user, String domain, String password, boolean storePassword)
      throws Exception {
    try (PreparedStatement insert = kamailio.prepareStatement(
        "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, user);
      insert.setString(2, domain);
      insert.setString(3, storePassword ? password : "");
      insert.setString(4, Credentials.ha1Md5(user, domain, password));
      insert.setString(5, Credentials.ha1Md5(user + "@" + domain, domain, password));
      insert.executeUpdate();
    }
  }

  @Test
  void importsFromKamailio5InMariaDbAndEveryNumberKeepsItsPassword() throws Exception {
    String name = "kam_test_" + Long.toUnsignedString(new SecureRandom().nextLong(), 36);
    MigrationTestSupport.createMariaDb(name);
    String url = TestDatabase.MARIADB_SERVER + "/" + name;
    try (Connection kamailio = DriverManager.getConnection(url, TestDatabase.MARIADB_USER,
        TestDatabase.MARIADB_PASSWORD)) {
      try (Statement ddl = kamailio.createStatement()) {
        ddl.execute(KAMAILIO_5_SUBSCRIBER);
      }
      kamctlAdd(kamailio, "99910012345", REALM, "ab12cd34", true);      // the CGI's accounts: password stored
      kamctlAdd(kamailio, "99920054321", REALM, "zz99yy88", false);     // ha1 only, our realm
      kamctlAdd(kamailio, "50505100001", "old.example", "pw-other-1", true);  // other realm, password: usable
      kamctlAdd(kamailio, "50505100002", "old.example", "pw-other-2", false); // other realm, ha1 only: useless
      kamctlAdd(kamailio, "alice", REALM, "alice-password", true);      // not a number
      kamctlAdd(kamailio, "99910012345", "old.example", "another-pw", true);  // same number, second domain

      ImportCounts first = new KamailioImporter(store).importFrom(kamailio, null);
      assertThat(first.summary()).isEqualTo("imported 3, updated 0, unchanged 0, skipped 3");
      assertThat(first.warnings()).hasSize(3)
          .anySatisfy(w -> assertThat(w).startsWith("50505100002@old.example: skipped")
              .contains("realm 'old.example'", "not our DOMAIN 'webph.one'"))
          .anySatisfy(w -> assertThat(w).startsWith("alice@webph.one: skipped"))
          .anySatisfy(w -> assertThat(w).startsWith("99910012345@old.example: skipped").contains("already imported"));

      Subscriber withPassword = store.findSubscriber("99910012345").await().orElseThrow();
      assertThat(withPassword.domain()).isEqualTo(REALM);
      assertLogsIn(withPassword, REALM, "ab12cd34");
      assertThat(login(withPassword, REALM, "ab12cd34", DigestAlgorithm.SHA_256))
          .isEqualTo(DigestAuthenticator.Outcome.OK);

      Subscriber md5Only = store.findSubscriber("99920054321").await().orElseThrow();
      assertThat(md5Only.ha1Sha256()).isNull();
      assertLogsIn(md5Only, REALM, "zz99yy88");

      // Its Kamailio realm differs, but the plain password lets us compute our hashes.
      Subscriber rehashed = store.findSubscriber("50505100001").await().orElseThrow();
      assertThat(rehashed.domain()).isEqualTo(REALM);
      assertLogsIn(rehashed, REALM, "pw-other-1");
      assertThat(store.findSubscriber("50505100002").await()).isEmpty();

      // Twice: nothing changes; through the command line as the operator runs it.
      Path config = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dir.resolve("data"));
      String sourceUrl = url.replace("jdbc:mariadb:", "jdbc:mysql:");
      Run second = run("import", "kamailio", "--config", config.toString(), "--db-url", sourceUrl,
          "--db-user", TestDatabase.MARIADB_USER, "--db-password=" + TestDatabase.MARIADB_PASSWORD);
      assertThat(second.exitCode()).as(second.err()).isZero();
      assertThat(second.out()).isEqualTo("subscribers: imported 0, updated 0, unchanged 3, skipped 3\n");
      assertThat(second.err().lines()).hasSize(3).allMatch(line -> line.startsWith("warning: "));
      assertThat(store.findSubscriber("99920054321").await().orElseThrow()).isEqualTo(md5Only);

      // A password changed in Kamailio after the first run is an update; --domain limits the import.
      try (Statement change = kamailio.createStatement()) {
        change.executeUpdate("UPDATE subscriber SET password = 'changed-pw', ha1 = '"
            + Credentials.ha1Md5("50505100001", "old.example", "changed-pw") + "' WHERE username = '50505100001'");
      }
      Run third = run("import", "kamailio", "--config", config.toString(), "--db-url", sourceUrl,
          "--db-user", TestDatabase.MARIADB_USER, "--db-password=" + TestDatabase.MARIADB_PASSWORD,
          "--domain", "old.example");
      assertThat(third.exitCode()).as(third.err()).isZero();
      assertThat(third.out()).isEqualTo("subscribers: imported 0, updated 2, unchanged 0, skipped 1\n");
      assertLogsIn(store.findSubscriber("50505100001").await().orElseThrow(), REALM, "changed-pw");
      // 99910012345 existed only in old.example for this run, with another password: its row there wins.
      assertLogsIn(store.findSubscriber("99910012345").await().orElseThrow(), REALM, "another-pw");
    } finally {
      MigrationTestSupport.dropMariaDb(name);
    }
  }

  @Test
  void kamailio4SchemaInSqliteWithEmailAddresses() throws Exception {
    Path file = dir.resolve("kamailio.sqlite");
    try (Connection kamailio = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      try (Statement ddl = kamailio.createStatement()) {
        // Kamailio 4.x (table version 6) schema as kamdbctl creates it for db_sqlite.
        ddl.execute("""
            CREATE TABLE subscriber (
                id INTEGER PRIMARY KEY NOT NULL,
                username VARCHAR(64) DEFAULT '' NOT NULL,
                domain VARCHAR(64) DEFAULT '' NOT NULL,
                password VARCHAR(25) DEFAULT '' NOT NULL,
                email_address VARCHAR(64) DEFAULT '' NOT NULL,
                ha1 VARCHAR(64) DEFAULT '' NOT NULL,
                ha1b VARCHAR(64) DEFAULT '' NOT NULL,
                rpid VARCHAR(64) DEFAULT NULL,
                CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
            )""");
        ddl.execute("INSERT INTO subscriber (username, domain, password, email_address, ha1) VALUES "
            + "('99910070001', 'webph.one', 'k3k3k3k3', '1519000000000@generic_email.saycel', '"
            + Credentials.ha1Md5("99910070001", REALM, "k3k3k3k3") + "'), "
            + "('99910070002', 'webph.one', '', '', 'not-a-digest'), "
            + "('99910070003', 'webph.one', '', '', '')");
      }
    }
    Path config = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dir.resolve("data"));
    Run first = run("import", "kamailio", "--config", config.toString(), "--db-url", "jdbc:sqlite:" + file);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("subscribers: imported 1, updated 0, unchanged 0, skipped 2\n");
    assertThat(first.err()).contains("warning: 99910070002@webph.one: skipped, its ha1 is not an MD5 digest",
        "warning: 99910070003@webph.one: skipped, neither a password nor an ha1");
    Subscriber imported = store.findSubscriber("99910070001").await().orElseThrow();
    assertThat(imported.email()).isEqualTo("1519000000000@generic_email.saycel");
    assertLogsIn(imported, REALM, "k3k3k3k3");
    Run second = run("import", "kamailio", "--config", config.toString(), "--db-url", "jdbc:sqlite:" + file);
    assertThat(second.out()).isEqualTo("subscribers: imported 0, updated 0, unchanged 1, skipped 2\n");
  }

  @Test
  void unreachableOrWrongSourceIsOneErrorLine() throws Exception {
    Path config = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dir.resolve("data"));
    Run noTable = run("import", "kamailio", "--config", config.toString(), "--db-url",
        "jdbc:sqlite:" + dir.resolve("empty.sqlite"));
    assertThat(noTable.exitCode()).isEqualTo(1);
    assertThat(noTable.err()).startsWith("webphone: error: cannot read Kamailio's subscriber table").hasLineCount(1);
    Run refused = run("import", "kamailio", "--config", config.toString(), "--db-url",
        "jdbc:mysql://127.0.0.1:1/kamailio?connectTimeout=2000");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).startsWith("webphone: error: database unavailable").hasLineCount(1);
  }
}
