package one.webph.server.push;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.server.db.Database;
import one.webph.webpush.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push_subscriptions table: browser push subscriptions, several per number (one per device), one row per
 * endpoint. All JDBC runs through {@link Database#call}, never on an event loop.
 */
public final class PushSubscriptionStore {
  private static final Logger log = LoggerFactory.getLogger(PushSubscriptionStore.class);
  static final int MAX_USER_AGENT_LENGTH = 255;
  /** A number with more devices than this gets its least recently updated subscription replaced. */
  static final int MAX_SUBSCRIPTIONS_PER_NUMBER = 20;
  private static final String COLUMNS = "id, number, endpoint, p256dh, auth, created_at, updated_at, user_agent";

  /** A stored subscription. */
  public record StoredSubscription(long id, String number, Subscription subscription, String userAgent,
      Instant createdAt, Instant updatedAt) {}

  /** Whether {@link #save} added a row or refreshed an existing endpoint. */
  public enum SaveResult { CREATED, UPDATED }

  /** How long a number's subscriptions are answered from memory; writes through this store clear them at once. */
  static final long CACHE_MILLIS = 60_000;
  private static final int CACHE_MAX_NUMBERS = 100_000;

  private final Database database;
  private final Clock clock;
  /**
   * Subscriptions by number, read per call to that number (the call-incoming push): one query per call was most
   * of the database pool's work under call load. Cleared by every write here; another process writing the table
   * (an import) is seen within CACHE_MILLIS.
   */
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  /** Bumped by every write: a read that overlapped one does not cache what it read. */
  private final AtomicLong generation = new AtomicLong();

  private record Cached(List<StoredSubscription> subscriptions, long readAtMillis) { }

  public PushSubscriptionStore(Database database) {
    this(database, Clock.systemUTC());
  }

  PushSubscriptionStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * Stores the subscription for {@code number}. An endpoint already known (to this or another number: the same
   * browser after the person switched numbers) is updated in place, keys and number included.
   */
  public Future<SaveResult> save(String number, Subscription subscription, String userAgent) {
    String agent = truncate(userAgent, MAX_USER_AGENT_LENGTH);
    String hash = endpointHash(subscription.endpoint());
    return written(database.call(connection -> {
      long now = clock.millis();
      if (update(connection, number, subscription, agent, hash, now)) {
        return SaveResult.UPDATED;
      }
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO push_subscriptions "
          + "(number, endpoint, endpoint_sha256, p256dh, auth, created_at, updated_at, user_agent) "
          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, number);
        insert.setString(2, subscription.endpoint());
        insert.setString(3, hash);
        insert.setString(4, subscription.p256dh());
        insert.setString(5, subscription.auth());
        insert.setLong(6, now);
        insert.setLong(7, now);
        insert.setString(8, agent);
        insert.executeUpdate();
      } catch (SQLException e) {
        // A concurrent save of the same endpoint won the insert: ours becomes the update.
        if (Database.isDuplicateKey(e) && update(connection, number, subscription, agent, hash, now)) {
          return SaveResult.UPDATED;
        }
        throw e;
      }
      trimDevices(connection, number);
      return SaveResult.CREATED;
    }));
  }

  /** Forgets every cached read once a write ends (also a failed one: it may have committed before failing). */
  private <T> Future<T> written(Future<T> write) {
    generation.incrementAndGet();
    return write.andThen(ar -> {
      generation.incrementAndGet();
      cache.clear();
    });
  }

  /** Every subscription of {@code number}, oldest first. */
  public Future<List<StoredSubscription>> forNumber(String number) {
    Cached cached = cache.get(number);
    long now = clock.millis();
    if (cached != null && now - cached.readAtMillis() < CACHE_MILLIS && now >= cached.readAtMillis()) {
      return Future.succeededFuture(cached.subscriptions());
    }
    long before = generation.get();
    return database.call(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM push_subscriptions WHERE number = ? ORDER BY id")) {
        select.setString(1, number);
        return readAll(select);
      }
    }).andThen(ar -> {
      if (ar.succeeded() && generation.get() == before) {
        if (cache.size() >= CACHE_MAX_NUMBERS) {
          cache.clear();
        }
        cache.put(number, new Cached(List.copyOf(ar.result()), now));
      }
    });
  }

  /** The subscription with this endpoint, whoever it belongs to. */
  public Future<Optional<StoredSubscription>> findByEndpoint(String endpoint) {
    return database.call(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT " + COLUMNS + " FROM push_subscriptions WHERE endpoint_sha256 = ?")) {
        select.setString(1, endpointHash(endpoint));
        List<StoredSubscription> rows = readAll(select);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
      }
    });
  }

  /** Deletes {@code number}'s subscription with this endpoint; false if it has none (another number's stays). */
  public Future<Boolean> delete(String number, String endpoint) {
    return written(database.call(connection -> {
      try (PreparedStatement delete = connection.prepareStatement(
          "DELETE FROM push_subscriptions WHERE endpoint_sha256 = ? AND number = ?")) {
        delete.setString(1, endpointHash(endpoint));
        delete.setString(2, number);
        return delete.executeUpdate() > 0;
      }
    }));
  }

  /** Deletes the row with this id (the push service said the subscription is gone); false if already deleted. */
  public Future<Boolean> deleteById(long id) {
    return written(database.call(connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM push_subscriptions WHERE id = ?")) {
        delete.setLong(1, id);
        return delete.executeUpdate() > 0;
      }
    }));
  }

  /** SHA-256 hex of the endpoint: the unique key (endpoints may exceed index length limits). */
  static String endpointHash(String endpoint) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(endpoint.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
    }
  }

  static String truncate(String text, int max) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }

  private static boolean update(Connection connection, String number, Subscription subscription, String agent,
      String hash, long now) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE push_subscriptions SET number = ?, "
        + "endpoint = ?, p256dh = ?, auth = ?, updated_at = ?, user_agent = ? WHERE endpoint_sha256 = ?")) {
      update.setString(1, number);
      update.setString(2, subscription.endpoint());
      update.setString(3, subscription.p256dh());
      update.setString(4, subscription.auth());
      update.setLong(5, now);
      update.setString(6, agent);
      update.setString(7, hash);
      return update.executeUpdate() > 0;
    }
  }

  /**
   * Bounds the rows per number: subscriptions of reinstalled or cleared browsers are never unsubscribed
   * explicitly, and an authenticated client could otherwise add rows without limit.
   */
  private static void trimDevices(Connection connection, String number) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT id FROM push_subscriptions WHERE number = ? ORDER BY updated_at DESC, id DESC")) {
      select.setString(1, number);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getLong(1));
        }
      }
    }
    for (int i = MAX_SUBSCRIPTIONS_PER_NUMBER; i < ids.size(); i++) {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM push_subscriptions WHERE id = ?")) {
        delete.setLong(1, ids.get(i));
        delete.executeUpdate();
      }
      log.info("push subscriptions of {}: dropped the least recently updated (more than {} devices)", number,
          MAX_SUBSCRIPTIONS_PER_NUMBER);
    }
  }

  private static List<StoredSubscription> readAll(PreparedStatement select) throws SQLException {
    List<StoredSubscription> result = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        long id = rows.getLong(1);
        Subscription subscription;
        try {
          subscription = new Subscription(rows.getString(3), rows.getString(4), rows.getString(5));
        } catch (IllegalArgumentException e) {
          // Rows are validated before insert; one edited by hand is skipped rather than failing every push.
          log.warn("push subscription {} is invalid and skipped: {}", id, e.getMessage());
          continue;
        }
        result.add(new StoredSubscription(id, rows.getString(2), subscription, rows.getString(8),
            Instant.ofEpochMilli(rows.getLong(6)), Instant.ofEpochMilli(rows.getLong(7))));
      }
    }
    return result;
  }
}
