package one.webph.server.push;

import io.vertx.core.Future;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import one.webph.server.db.Database;

/**
 * The call_feedback table: after-call ratings ({@link Kind#SURVEY}) and comments ({@link Kind#FEEDBACK}) the app
 * posts to /webpush/survey and /webpush/feedback, stored as the JSON text received.
 */
public final class FeedbackStore {
  /** What was posted. */
  public enum Kind {
    SURVEY, FEEDBACK;

    public String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A stored entry; {@code number} is the "user" the app named, if it was a number. */
  public record Entry(long id, Kind kind, String number, String payload, Instant createdAt) {}

  private final Database database;
  private final Clock clock;

  public FeedbackStore(Database database) {
    this(database, Clock.systemUTC());
  }

  FeedbackStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /** Stores one entry; completes with its id. */
  public Future<Long> add(Kind kind, String number, String payloadJson) {
    return database.call(connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO call_feedback (kind, number, payload, created_at) VALUES (?, ?, ?, ?)",
          Statement.RETURN_GENERATED_KEYS)) {
        insert.setString(1, kind.column());
        insert.setString(2, number);
        insert.setString(3, payloadJson);
        insert.setLong(4, clock.millis());
        insert.executeUpdate();
        try (ResultSet keys = insert.getGeneratedKeys()) {
          keys.next();
          return keys.getLong(1);
        }
      }
    });
  }

  /** The newest {@code limit} entries of a kind, newest first. */
  public Future<List<Entry>> list(Kind kind, int limit) {
    return database.call(connection -> {
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT id, number, payload, created_at FROM call_feedback WHERE kind = ? ORDER BY id DESC")) {
        select.setString(1, kind.column());
        select.setMaxRows(limit);
        List<Entry> result = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            result.add(new Entry(rows.getLong(1), kind, rows.getString(2), rows.getString(3),
                Instant.ofEpochMilli(rows.getLong(4))));
          }
        }
        return result;
      }
    });
  }
}
