package one.webph.server.migration;

import static one.webph.server.migration.MigrationTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import one.webph.server.migration.MigrationTestSupport.Run;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.push.PushSubscriptionStore;
import one.webph.server.push.PushSubscriptionStore.StoredSubscription;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.webpush.Subscription;
import one.webph.webpush.VapidKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push server SQLite file as the original Node server (Sequelize, model "user") left it, imported into H2 and
 * MariaDB targets: the subscriptions are stored for their numbers, DATA_DIR/vapid.keys holds the same keys
 * (read as the push component reads it), and a second run changes nothing.
 */
class WebpushImportTest extends DatabaseTestBase {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String REALM = "webph.one";

  @TempDir Path dir;

  private final SubscriberStore subscribers = new SubscriberStore(database(), REALM);

  /**
   * What the table holds for a number, read by a store of its own each time: the import runs as another
   * process would, and a store answers repeated reads from memory for a while (PushSubscriptionStore.CACHE_MILLIS).
   */
  private static io.vertx.core.Future<List<StoredSubscription>> stored(String number) {
    return new PushSubscriptionStore(database()).forNumber(number);
  }

  /** The accounts, as 'webphone import kamailio' leaves them before the subscriptions are imported. */
  private void accounts(String... numbers) {
    for (String number : numbers) {
      subscribers.create(number, "password-" + number, null).await();
    }
  }

  /** A browser subscription: a real P-256 point for p256dh and a 16-byte auth secret. */
  private static Subscription browser(String pushService) {
    byte[] auth = new byte[16];
    RANDOM.nextBytes(auth);
    return new Subscription("https://" + pushService + "/wpush/v2/" + Long.toUnsignedString(RANDOM.nextLong(), 36),
        VapidKeys.generate().publicKeyBase64Url(), Base64.getUrlEncoder().withoutPadding().encodeToString(auth));
  }

  /** The table Sequelize's sync() created for the Node server's model 'user' (pluralized, with timestamps). */
  private static void createNodeServerTable(Connection sqlite) throws Exception {
    try (Statement ddl = sqlite.createStatement()) {
      ddl.execute("CREATE TABLE IF NOT EXISTS `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `user` VARCHAR(255), "
          + "`endpoint` VARCHAR(255), `auth` VARCHAR(255), `p256dh` VARCHAR(255), `publicKey` VARCHAR(255), "
          + "`privateKey` VARCHAR(255), `createdAt` DATETIME NOT NULL, `updatedAt` DATETIME NOT NULL)");
      // The survey table lives in the same file and must not be mistaken for subscriptions.
      ddl.execute("CREATE TABLE IF NOT EXISTS `surveys` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `rating` VARCHAR(255), "
          + "`user` VARCHAR(255), `createdAt` DATETIME NOT NULL, `updatedAt` DATETIME NOT NULL)");
    }
  }

  private static void saveUser(Connection sqlite, String user, String endpoint, String auth, String p256dh,
      VapidKeys keys, String updatedAt) throws Exception {
    try (PreparedStatement insert = sqlite.prepareStatement("INSERT INTO `users` (`user`, `endpoint`, `auth`, "
        + "`p256dh`, `publicKey`, `privateKey`, `createdAt`, `updatedAt`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, user);
      insert.setString(2, endpoint);
      insert.setString(3, auth);
      insert.setString(4, p256dh);
      insert.setString(5, keys.publicKeyBase64Url());
      insert.setString(6, keys.privateKeyBase64Url());
      insert.setString(7, updatedAt);
      insert.setString(8, updatedAt);
      insert.executeUpdate();
    }
  }

  @Test
  void importsTheNodeServersSubscriptionsAndKeysTwice() throws Exception {
    VapidKeys current = VapidKeys.generate();
    VapidKeys beforeRestart = VapidKeys.generate(); // the Node server made new keys per start unless configured
    Subscription alice = browser("updates.push.services.mozilla.com");
    Subscription bob = browser("fcm.googleapis.com");
    Subscription carol = browser("web.push.apple.com");
    Subscription stale = browser("fcm.googleapis.com");
    Path file = dir.resolve("sqlite.db");
    try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      createNodeServerTable(sqlite);
      saveUser(sqlite, "99910000101", stale.endpoint(), stale.auth(), stale.p256dh(), beforeRestart,
          "2019-03-01 10:00:00.000 +00:00");
      saveUser(sqlite, "99910000102", alice.endpoint(), alice.auth(), alice.p256dh(), current,
          "2019-03-02 10:00:00.000 +00:00");
      saveUser(sqlite, "99910000103", bob.endpoint(), bob.auth(), bob.p256dh(), current,
          "2019-03-03 10:00:00.000 +00:00");
      saveUser(sqlite, "50505100104", carol.endpoint(), carol.auth(), carol.p256dh(), current,
          "2019-03-04 10:00:00.000 +00:00");
      saveUser(sqlite, "99910000105", "http://insecure.example/push", alice.auth(), alice.p256dh(), current,
          "2019-03-05 10:00:00.000 +00:00");
      saveUser(sqlite, "undefined", bob.endpoint() + "x", bob.auth(), bob.p256dh(), current,
          "2019-03-06 10:00:00.000 +00:00");
      Subscription unknown = browser("fcm.googleapis.com");
      saveUser(sqlite, "99910000106", unknown.endpoint(), unknown.auth(), unknown.p256dh(), current,
          "2019-03-07 10:00:00.000 +00:00");
    }
    accounts("99910000101", "99910000102", "99910000103", "50505100104", "99910000105", "99910000199");
    Path dataDir = dir.resolve("data");
    Path config = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dataDir);

    Run first = run("import", "webpush", "--config", config.toString(), "--sqlite", file.toString());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("VAPID keys written to " + dataDir.resolve("vapid.keys") + " (public key "
        + current.publicKeyBase64Url() + ")\npush subscriptions: imported 3, updated 0, unchanged 0, skipped 4\n");
    assertThat(first.err().lines()).containsExactly(
        "warning: push subscription of 99910000101: skipped, it was made with another VAPID key ("
            + beforeRestart.publicKeyBase64Url() + "); the app subscribes again with the new key",
        "warning: push subscription of 99910000105: skipped, invalid subscription: push endpoint must be an "
            + "https:// URL with a host",
        "warning: push subscription of undefined: skipped, the user is not a number of 1 to 32 digits",
        "warning: push subscription of 99910000106: skipped, no such number here (import the accounts first: "
            + "webphone import kamailio)");

    VapidKeys installed = VapidKeys.loadOrCreate(dataDir.resolve("vapid.keys"));
    assertThat(installed.publicKeyBase64Url()).isEqualTo(current.publicKeyBase64Url());
    assertThat(installed.privateKeyBase64Url()).isEqualTo(current.privateKeyBase64Url());
    assertThat(stored("99910000102").await()).singleElement()
        .extracting(StoredSubscription::subscription).isEqualTo(alice);
    assertThat(stored("99910000103").await()).singleElement()
        .extracting(StoredSubscription::subscription).isEqualTo(bob);
    assertThat(stored("50505100104").await()).singleElement()
        .extracting(StoredSubscription::subscription).isEqualTo(carol);
    assertThat(stored("99910000101").await()).isEmpty();
    List<StoredSubscription> before = stored("99910000102").await();

    Run second = run("import", "webpush", "--config", config.toString(), "--sqlite", file.toString());
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).isEqualTo("VAPID keys unchanged in " + dataDir.resolve("vapid.keys") + " (public key "
        + current.publicKeyBase64Url() + ")\npush subscriptions: imported 0, updated 0, unchanged 3, skipped 4\n");
    assertThat(stored("99910000102").await()).isEqualTo(before);

    // The browser later re-subscribed for another number: an update on the next run.
    try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement change = sqlite.createStatement()) {
      change.executeUpdate("UPDATE `users` SET `user` = '99910000199' WHERE `user` = '99910000103'");
    }
    Run third = run("import", "webpush", "--config", config.toString(), "--sqlite", file.toString());
    assertThat(third.out()).endsWith("push subscriptions: imported 0, updated 1, unchanged 2, skipped 4\n");
    assertThat(stored("99910000199").await()).singleElement()
        .extracting(StoredSubscription::subscription).isEqualTo(bob);
    assertThat(stored("99910000103").await()).isEmpty();
  }

  @Test
  void keysFromTheCommandLineAndOtherExistingKeysNeedForce() throws Exception {
    // A table without key columns (keys were in the .env only), named as an alternative layout.
    VapidKeys keys = VapidKeys.generate();
    Subscription dave = browser("fcm.googleapis.com");
    Path file = dir.resolve("push.sqlite");
    try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement ddl = sqlite.createStatement()) {
      ddl.execute("CREATE TABLE subscriptions (User TEXT, Endpoint TEXT, Auth TEXT, P256dh TEXT, created TEXT)");
      ddl.execute("INSERT INTO subscriptions VALUES ('99910000201', '" + dave.endpoint() + "', '" + dave.auth()
          + "', '" + dave.p256dh() + "', 'x')");
    }
    accounts("99910000201");
    Path dataDir = dir.resolve("data");
    Files.createDirectories(dataDir);
    VapidKeys other = VapidKeys.loadOrCreate(dataDir.resolve("vapid.keys")); // a server already started here
    Path config = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dataDir);

    Run noKeys = run("import", "webpush", "--config", config.toString(), "--sqlite", file.toString());
    assertThat(noKeys.exitCode()).isEqualTo(1);
    assertThat(noKeys.err()).startsWith("webphone: error: the SQLite file stores no VAPID keys").hasLineCount(1);

    String[] withKeys = {"import", "webpush", "--config", config.toString(), "--sqlite", file.toString(),
        "--public", keys.publicKeyBase64Url(), "--private", keys.privateKeyBase64Url()};
    Run refused = run(withKeys);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("already holds other VAPID keys (public key " + other.publicKeyBase64Url(),
        "--force").hasLineCount(1);
    assertThat(stored("99910000201").await()).isEmpty(); // refused before importing anything
    assertThat(VapidKeys.load(dataDir.resolve("vapid.keys")).publicKeyBase64Url())
        .isEqualTo(other.publicKeyBase64Url());

    String[] forced = java.util.stream.Stream.concat(java.util.Arrays.stream(withKeys), java.util.stream.Stream.of(
        "--force")).toArray(String[]::new);
    Run replaced = run(forced);
    assertThat(replaced.exitCode()).as(replaced.err()).isZero();
    assertThat(replaced.out()).startsWith("VAPID keys replaced in ")
        .endsWith("push subscriptions: imported 1, updated 0, unchanged 0, skipped 0\n");
    assertThat(VapidKeys.load(dataDir.resolve("vapid.keys")).privateKeyBase64Url())
        .isEqualTo(keys.privateKeyBase64Url());
    assertThat(stored("99910000201").await()).singleElement()
        .extracting(StoredSubscription::subscription).isEqualTo(dave);

    Run again = run(withKeys);
    assertThat(again.out()).startsWith("VAPID keys unchanged in ")
        .endsWith("push subscriptions: imported 0, updated 0, unchanged 1, skipped 0\n");

    // PUSH_PUBLIC/PUSH_PRIVATE in the configuration win over the file: other configured keys are refused.
    VapidKeys configured = VapidKeys.generate();
    Path withEnvKeys = MigrationTestSupport.writeConfig(dir, testDatabase().configValues(), REALM, dataDir,
        "PUSH_PUBLIC=" + configured.publicKeyBase64Url(), "PUSH_PRIVATE=" + configured.privateKeyBase64Url());
    Run conflicting = run("import", "webpush", "--config", withEnvKeys.toString(), "--sqlite", file.toString(),
        "--public", keys.publicKeyBase64Url(), "--private", keys.privateKeyBase64Url());
    assertThat(conflicting.exitCode()).isEqualTo(1);
    assertThat(conflicting.err()).contains("PUSH_PUBLIC").hasLineCount(1);

    Run badKey = run("import", "webpush", "--config", config.toString(), "--sqlite", file.toString(),
        "--public", keys.publicKeyBase64Url(), "--private", other.privateKeyBase64Url());
    assertThat(badKey.exitCode()).isEqualTo(1);
    assertThat(badKey.err()).contains("do not belong to the same key pair");
    Run missing = run("import", "webpush", "--config", config.toString(), "--sqlite", dir.resolve("nope").toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("webphone: error: no such SQLite file: " + dir.resolve("nope") + "\n");
  }
}
