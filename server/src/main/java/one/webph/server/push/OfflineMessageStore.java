package one.webph.server.push;

import io.vertx.core.Future;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import one.webph.server.db.Database;
import one.webph.server.numbers.SubscriberStore;

/**
 * SIP MESSAGEs for numbers without a registered device (the offline_messages table). The proxy stores a message
 * and answers 202; when the number registers it reads {@link #pending}, relays each message and
 * {@link #delete}s it once delivered. Messages expire {@code MESSAGE_TTL_DAYS} after they were stored.
 * All JDBC runs through {@link Database#call}, never on an event loop.
 */
public final class OfflineMessageStore {
  /** Largest body kept: SIP MESSAGE is for short texts (RFC 3428 section 9 suggests at most 1300 bytes). */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Pending messages per number; more are refused so one sender cannot fill the database. */
  public static final int MAX_PENDING_PER_NUMBER = 500;
  static final int MAX_SENDER_LENGTH = 1024;
  static final int MAX_CONTENT_TYPE_LENGTH = 255;
  private static final String COLUMNS = "id, number, sender, content_type, body, received_at, expires_at";

  /**
   * A stored message.
   *
   * @param sender     the From URI or number, as the proxy stored it
   * @param receivedAt the message's original date (its Date header, else when it arrived)
   * @param expiresAt  when it is purged if still undelivered
   */
  public record OfflineMessage(long id, String number, String sender, String contentType, byte[] body,
      Instant receivedAt, Instant expiresAt) {}

  /** The number already has {@link #MAX_PENDING_PER_NUMBER} undelivered messages. */
  public static final class MailboxFullException extends RuntimeException {
    MailboxFullException(String number) {
      super("number " + number + " already has " + MAX_PENDING_PER_NUMBER + " undelivered messages", null, false, false);
    }
  }

  private final Database database;
  private final Duration ttl;
  private final Clock clock;

  /** @param ttl how long an undelivered message is kept (MESSAGE_TTL_DAYS) */
  public OfflineMessageStore(Database database, Duration ttl) {
    this(database, ttl, Clock.systemUTC());
  }

  OfflineMessageStore(Database database, Duration ttl, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("message TTL must be positive");
    }
    this.database = Objects.requireNonNull(database, "database");
    this.ttl = ttl;
    this.clock = clock;
  }

  public Duration ttl() {
    return ttl;
  }

  /**
   * Stores a message for {@code number}; completes with its id. Fails with IllegalArgumentException for bad input
   * (unknown number format, body over {@link #MAX_BODY_BYTES}) and with {@link MailboxFullException} when the number
   * has too many pending messages.
   *
   * @param date the message's original date; null = now
   */
  public Future<Long> store(String number, String from, String contentType, byte[] body, Instant date) {
    try {
      SubscriberStore.validateNumber(number);
      if (from == null || from.isBlank()) {
        throw new IllegalArgumentException("the sender is required");
      }
      if (from.length() > MAX_SENDER_LENGTH) {
        throw new IllegalArgumentException("the sender is longer than " + MAX_SENDER_LENGTH + " characters");
      }
      if (body == null) {
        throw new IllegalArgumentException("the body is required");
      }
      if (body.length > MAX_BODY_BYTES) {
        throw new IllegalArgumentException("the body is " + body.length + " bytes; at most " + MAX_BODY_BYTES + " are stored");
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String type = contentType == null || contentType.isBlank() ? "text/plain"
        : PushSubscriptionStore.truncate(contentType.strip(), MAX_CONTENT_TYPE_LENGTH);
    byte[] copy = body.clone();
    return database.call(connection -> {
      Instant now = clock.instant();
      try (PreparedStatement count = connection.prepareStatement(
          "SELECT COUNT(*) FROM offline_messages WHERE number = ? AND expires_at > ?")) {
        count.setString(1, number);
        count.setLong(2, now.toEpochMilli());
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          if (rows.getLong(1) >= MAX_PENDING_PER_NUMBER) {
            throw new MailboxFullException(number);
          }
        }
      }
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO offline_messages "
          + "(number, sender, content_type, body, received_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
          Statement.RETURN_GENERATED_KEYS)) {
        insert.setString(1, number);
        insert.setString(2, from);
        insert.setString(3, type);
        insert.setBytes(4, copy);
        insert.setLong(5, (date != null ? date : now).toEpochMilli());
        insert.setLong(6, now.plus(ttl).toEpochMilli());
        insert.executeUpdate();
        try (ResultSet keys = insert.getGeneratedKeys()) {
          if (!keys.next()) {
            throw new SQLException("the database returned no id for the stored message");
          }
          return keys.getLong(1);
        }
      }
    });
  }

  /** Convenience for text bodies (UTF-8). */
  public Future<Long> store(String number, String from, String contentType, String text, Instant date) {
    return store(number, from, contentType, text == null ? null : text.getBytes(java.nio.charset.StandardCharsets.UTF_8), date);
  }

  /** The unexpired messages for {@code number}, oldest first (by original date, then arrival). */
  public Future<List<OfflineMessage>> pending(String number) {
    return database.call(connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS
          + " FROM offline_messages WHERE number = ? AND expires_at > ? ORDER BY received_at, id")) {
        select.setString(1, number);
        select.setLong(2, clock.millis());
        List<OfflineMessage> result = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            result.add(new OfflineMessage(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                rows.getBytes(5), Instant.ofEpochMilli(rows.getLong(6)), Instant.ofEpochMilli(rows.getLong(7))));
          }
        }
        return result;
      }
    });
  }

  /** Deletes a message (delivered); false if it was already gone. */
  public Future<Boolean> delete(long id) {
    return database.call(connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM offline_messages WHERE id = ?")) {
        delete.setLong(1, id);
        return delete.executeUpdate() > 0;
      }
    });
  }

  /** Deletes every expired message; completes with how many. */
  public Future<Integer> purgeExpired() {
    return database.call(connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM offline_messages WHERE expires_at <= ?")) {
        delete.setLong(1, clock.millis());
        return delete.executeUpdate();
      }
    });
  }
}
