package one.webph.server.numbers;

import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import one.webph.server.db.Database;

/**
 * The subscribers table. Every method runs on the database worker pool and returns a Future; the SIP registrar
 * uses {@link #findSubscriber(String)}.
 */
public final class SubscriberStore {
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,32}");
  private static final String COLUMNS = "number, domain, ha1, ha1_sha256, email, created_at, disabled";

  private final Database database;
  private final String realm;

  /** @param realm the digest realm and domain of new subscribers (DOMAIN) */
  public SubscriberStore(Database database, String realm) {
    this.database = database;
    this.realm = realm;
  }

  public Database database() {
    return database;
  }

  public String realm() {
    return realm;
  }

  /** Throws IllegalArgumentException unless the number is 1-32 digits. */
  public static void validateNumber(String number) {
    if (number == null || !NUMBER.matcher(number).matches()) {
      throw new IllegalArgumentException("a number is 1 to 32 digits, got '" + number + "'");
    }
  }

  /** The subscriber with this number, if any (disabled ones included; check {@link Subscriber#disabled()}). */
  public Future<Optional<Subscriber>> findSubscriber(String number) {
    return database.call(connection -> find(connection, number));
  }

  /** Creates a subscriber with the given password; false (nothing changed) if the number already exists. */
  public Future<Boolean> create(String number, String password, String email) {
    return database.call(connection -> insert(connection, newSubscriber(number, password, email)));
  }

  /** Deletes; false if there was no such number. */
  public Future<Boolean> delete(String number) {
    return database.call(connection -> {
      try (PreparedStatement statement = connection.prepareStatement("DELETE FROM subscribers WHERE number = ?")) {
        statement.setString(1, number);
        return statement.executeUpdate() > 0;
      }
    });
  }

  /** All subscribers ordered by number. */
  public Future<List<Subscriber>> list() {
    return database.call(connection -> {
      try (PreparedStatement statement =
          connection.prepareStatement("SELECT " + COLUMNS + " FROM subscribers ORDER BY number")) {
        return readAll(statement);
      }
    });
  }

  /** Replaces the stored hashes for a new password (and the realm, if DOMAIN changed); false if no such number. */
  public Future<Boolean> setPassword(String number, String password) {
    return database.call(connection -> {
      try (PreparedStatement statement = connection.prepareStatement(
          "UPDATE subscribers SET ha1 = ?, ha1_sha256 = ?, domain = ? WHERE number = ?")) {
        statement.setString(1, Credentials.ha1Md5(number, realm, password));
        statement.setString(2, Credentials.ha1Sha256(number, realm, password));
        statement.setString(3, realm);
        statement.setString(4, number);
        return statement.executeUpdate() > 0;
      }
    });
  }

  /**
   * Stores hashes computed elsewhere (the import from the original Kamailio database): inserts the subscriber,
   * or replaces an existing number's domain, hashes and email (not its disabled flag or creation time).
   * {@code ha1Sha256} may be null when only the MD5 HA1 is known. Returns true when a row was inserted.
   */
  public Future<Boolean> putWithHashes(Subscriber subscriber) {
    validateNumber(subscriber.number());
    return database.call(connection -> {
      for (int attempt = 0; attempt < 2; attempt++) {
        try (PreparedStatement update = connection.prepareStatement(
            "UPDATE subscribers SET domain = ?, ha1 = ?, ha1_sha256 = ?, email = ? WHERE number = ?")) {
          update.setString(1, subscriber.domain());
          update.setString(2, subscriber.ha1());
          update.setString(3, subscriber.ha1Sha256());
          update.setString(4, subscriber.email());
          update.setString(5, subscriber.number());
          if (update.executeUpdate() > 0) {
            return false;
          }
        }
        if (insert(connection, subscriber)) {
          return true;
        }
        // Created concurrently between the update and the insert: update it on the second pass.
      }
      throw new IllegalStateException("subscriber " + subscriber.number() + " changes concurrently");
    });
  }

  /** Enables or disables an account (a disabled account cannot register); false if no such number. */
  public Future<Boolean> setDisabled(String number, boolean disabled) {
    return database.call(connection -> {
      try (PreparedStatement statement =
          connection.prepareStatement("UPDATE subscribers SET disabled = ? WHERE number = ?")) {
        statement.setBoolean(1, disabled);
        statement.setString(2, number);
        return statement.executeUpdate() > 0;
      }
    });
  }

  /** How many subscribers there are. */
  public Future<Long> count() {
    return database.call(connection -> {
      try (PreparedStatement statement = connection.prepareStatement("SELECT COUNT(*) FROM subscribers");
          ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    });
  }

  Subscriber newSubscriber(String number, String password, String email) {
    validateNumber(number);
    return new Subscriber(number, realm, Credentials.ha1Md5(number, realm, password),
        Credentials.ha1Sha256(number, realm, password), email, Instant.now().truncatedTo(ChronoUnit.SECONDS), false);
  }

  static Optional<Subscriber> find(Connection connection, String number) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT " + COLUMNS + " FROM subscribers WHERE number = ?")) {
      statement.setString(1, number);
      List<Subscriber> rows = readAll(statement);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
  }

  /** Inserts in one statement (so nothing is half-created); false on a duplicate number. */
  static boolean insert(Connection connection, Subscriber subscriber) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "INSERT INTO subscribers (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      statement.setString(1, subscriber.number());
      statement.setString(2, subscriber.domain());
      statement.setString(3, subscriber.ha1());
      statement.setString(4, subscriber.ha1Sha256());
      statement.setString(5, subscriber.email());
      statement.setTimestamp(6, Timestamp.from(subscriber.createdAt()));
      statement.setBoolean(7, subscriber.disabled());
      statement.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (Database.isDuplicateKey(e)) {
        return false;
      }
      throw e;
    }
  }

  /** Numbers of exactly {@code length} digits starting with {@code prefix}. */
  static List<String> numbersWithPrefix(Connection connection, String prefix, int length) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT number FROM subscribers WHERE number LIKE ? AND CHAR_LENGTH(number) = ?")) {
      statement.setString(1, prefix + "%"); // prefixes are digits only: no LIKE wildcards to escape
      statement.setInt(2, length);
      List<String> numbers = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          numbers.add(rows.getString(1));
        }
      }
      return numbers;
    }
  }

  private static List<Subscriber> readAll(PreparedStatement statement) throws SQLException {
    List<Subscriber> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        Timestamp created = rows.getTimestamp(6);
        result.add(new Subscriber(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
            rows.getString(5), created == null ? null : created.toInstant(), rows.getBoolean(7)));
      }
    }
    return result;
  }
}
