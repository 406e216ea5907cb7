package one.webph.server.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.push.PushSubscriptionStore;
import one.webph.server.push.PushSubscriptionStore.StoredSubscription;
import one.webph.webpush.Subscription;
import one.webph.webpush.VapidKeys;
import org.sqlite.SQLiteConfig;

/**
 * Imports the original Node push server's subscriptions (its SQLite file) into push_subscriptions, so installed
 * apps keep receiving calls. The Node server (Sequelize model {@code user}) kept one row per user in table
 * {@code users}: user, endpoint, auth, p256dh, and the VAPID publicKey/privateKey in use when the row was saved;
 * any table with user, endpoint, auth and p256dh columns is accepted (found by column name).
 */
public final class WebpushImporter {
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,32}");
  private static final List<String> REQUIRED = List.of("user", "endpoint", "auth", "p256dh");

  /** One source row; the key columns are null when the table has none. */
  public record PushRow(String user, String endpoint, String auth, String p256dh, String publicKey,
      String privateKey) {}

  private final PushSubscriptionStore target;
  private final SubscriberStore subscribers;

  /** @param subscribers where a subscription's number must exist (subscriptions belong to accounts) */
  public WebpushImporter(PushSubscriptionStore target, SubscriberStore subscribers) {
    this.target = target;
    this.subscribers = subscribers;
  }

  /** Opens the SQLite file read-only (a missing file is an error: SQLite would create an empty one). */
  public static Connection openSqlite(Path file) throws SQLException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such SQLite file: " + file);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }

  /** The subscription rows, least recently updated first when the table records updates. */
  public static List<PushRow> read(Connection source) throws SQLException {
    String table = null;
    Map<String, String> columns = null; // lower-case name -> actual name
    List<String> tables = new ArrayList<>();
    DatabaseMetaData meta = source.getMetaData();
    try (ResultSet found = meta.getTables(null, null, "%", new String[] {"TABLE"})) {
      while (found.next()) {
        tables.add(found.getString("TABLE_NAME"));
      }
    }
    // The Node server's table first, then the documented alternative, then anything that fits.
    tables.sort(java.util.Comparator.comparingInt(name -> switch (name.toLowerCase(Locale.ROOT)) {
      case "users" -> 0;
      case "subscriptions" -> 1;
      default -> 2;
    }));
    for (String candidate : tables) {
      Map<String, String> names = new LinkedHashMap<>();
      try (ResultSet cols = meta.getColumns(null, null, candidate, "%")) {
        while (cols.next()) {
          String name = cols.getString("COLUMN_NAME");
          names.put(name.toLowerCase(Locale.ROOT), name);
        }
      }
      if (names.keySet().containsAll(REQUIRED)) {
        table = candidate;
        columns = names;
        break;
      }
    }
    if (table == null) {
      throw new IllegalArgumentException("no table with user, endpoint, auth and p256dh columns (tables: " + tables
          + "): is this the push server's sqlite.db?");
    }
    String updated = columns.containsKey("updatedat") ? columns.get("updatedat")
        : columns.getOrDefault("updated_at", null);
    String sql = "SELECT " + String.join(", ", quote(columns.get("user")), quote(columns.get("endpoint")),
        quote(columns.get("auth")), quote(columns.get("p256dh")), optionalColumn(columns, "publickey"),
        optionalColumn(columns, "privatekey")) + " FROM " + quote(table)
        + (updated != null ? " ORDER BY " + quote(updated) : "");
    List<PushRow> rows = new ArrayList<>();
    try (PreparedStatement select = source.prepareStatement(sql); ResultSet result = select.executeQuery()) {
      while (result.next()) {
        rows.add(new PushRow(text(result, 1), text(result, 2), text(result, 3), text(result, 4), text(result, 5),
            text(result, 6)));
      }
    }
    return rows;
  }

  /**
   * The key pair the Node server used last: that of the most recently saved row carrying one (it stored its
   * current keys with every save), if the table has key columns.
   */
  public static Optional<VapidKeys> keysOf(List<PushRow> rows) {
    for (int i = rows.size() - 1; i >= 0; i--) {
      PushRow row = rows.get(i);
      if (row.publicKey() != null && row.privateKey() != null) {
        try {
          return Optional.of(VapidKeys.fromBase64Url(row.publicKey(), row.privateKey()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("the VAPID keys stored with user " + row.user() + " are unusable ("
              + e.getMessage() + "); pass --public and --private");
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Imports the rows for pushing with {@code keys}. Rows saved under another VAPID public key are skipped: a
   * subscription is bound to the key it was created with, so pushes signed with ours would be refused.
   * Idempotent: a second run finds every row unchanged.
   */
  public ImportCounts importRows(List<PushRow> rows, VapidKeys keys) {
    ImportCounts counts = new ImportCounts();
    // One endpoint listed twice (one browser used by two numbers in turn): the latest row wins, as it did there.
    Map<String, Integer> lastRowOfEndpoint = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i).endpoint() != null) {
        lastRowOfEndpoint.put(rows.get(i).endpoint().strip(), i);
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      PushRow row = rows.get(i);
      String who = "push subscription of " + row.user();
      if (row.user() == null || !NUMBER.matcher(row.user()).matches()) {
        counts.skipped(who + ": skipped, the user is not a number of 1 to 32 digits");
        continue;
      }
      if (row.publicKey() != null && !row.publicKey().equals(keys.publicKeyBase64Url())) {
        counts.skipped(who + ": skipped, it was made with another VAPID key (" + row.publicKey()
            + "); the app subscribes again with the new key");
        continue;
      }
      Subscription subscription;
      try {
        subscription = new Subscription(row.endpoint(), row.p256dh(), row.auth());
      } catch (IllegalArgumentException e) {
        counts.skipped(who + ": skipped, invalid subscription: " + e.getMessage());
        continue;
      }
      if (lastRowOfEndpoint.get(row.endpoint().strip()) != i) {
        counts.skipped(who + ": skipped, its endpoint belongs to a later row (another number on the same browser)");
        continue;
      }
      if (subscribers.findSubscriber(row.user()).await().isEmpty()) {
        counts.skipped(who + ": skipped, no such number here (import the accounts first: webphone import kamailio)");
        continue;
      }
      Optional<StoredSubscription> existing = target.findByEndpoint(subscription.endpoint()).await();
      if (existing.isPresent() && existing.get().number().equals(row.user())
          && existing.get().subscription().equals(subscription)) {
        counts.unchanged();
        continue;
      }
      if (target.save(row.user(), subscription, null).await() == PushSubscriptionStore.SaveResult.CREATED) {
        counts.imported();
      } else {
        counts.updated();
      }
    }
    return counts;
  }

  private static String optionalColumn(Map<String, String> columns, String name) {
    return columns.containsKey(name) ? quote(columns.get(name)) : "NULL";
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String text(ResultSet result, int column) throws SQLException {
    String value = result.getString(column);
    if (value == null) {
      return null;
    }
    String stripped = value.strip();
    return stripped.isEmpty() ? null : stripped;
  }
}
