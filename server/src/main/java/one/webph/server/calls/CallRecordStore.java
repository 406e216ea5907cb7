package one.webph.server.calls;

import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import one.webph.server.db.Database;
import one.webph.server.sip.CallObserver;

/**
 * The call_records table (V5__call_records.sql). All work runs on the database worker pool ({@link Database#call});
 * values longer than their column are cut, so odd SIP input never loses a record.
 */
public final class CallRecordStore {
  /** Reason stored for an answered call whose end the server never saw (it stopped or crashed meanwhile). */
  public static final String UNKNOWN_END = "unknown";
  private static final String COLUMNS = "id, call_id, caller, callee, source, route, start_time, answer_time, "
      + "end_time, duration_seconds, outcome, status, end_reason, media_stats";

  private final Database database;

  public CallRecordStore(Database database) {
    this.database = database;
  }

  /**
   * Stores an INVITE's outcome. An answered call stays open (end_reason NULL) until {@link #close}; any other
   * outcome is complete at once (ended at its final response, duration 0). Returns the row id.
   */
  public Future<Long> insert(CallObserver.InviteOutcome o) {
    CallOutcome outcome = CallOutcome.classify(o.status(), o.callerCancelled());
    boolean answered = outcome == CallOutcome.ANSWERED;
    return database.call(connection -> {
      try (PreparedStatement s = connection.prepareStatement("INSERT INTO call_records (call_id, caller, callee, "
          + "source, route, start_time, answer_time, end_time, duration_seconds, outcome, status, end_reason) "
          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
        s.setString(1, cut(o.callId(), 255));
        s.setString(2, cut(o.caller(), 255));
        s.setString(3, cut(o.callee(), 255));
        s.setString(4, cut(o.source(), 128));
        s.setString(5, cut(o.route(), 255));
        s.setLong(6, o.startMillis());
        setLong(s, 7, answered ? o.finishedMillis() : null);
        setLong(s, 8, answered ? null : o.finishedMillis());
        setLong(s, 9, answered ? null : 0L);
        s.setString(10, outcome.jsonName());
        s.setInt(11, o.status());
        s.setString(12, answered ? null : cut(endReason(outcome, o.reason()), 64));
        s.executeUpdate();
        try (ResultSet keys = s.getGeneratedKeys()) {
          return keys.next() ? keys.getLong(1) : -1L;
        }
      }
    });
  }

  /**
   * The end reason of an unanswered call: the outcome name, or for a failed/rejected call the server's own reason
   * when it refused the call itself (e.g. "Not relaying", "village unreachable"), so an operator sees why.
   */
  static String endReason(CallOutcome outcome, String ownReason) {
    boolean refused = outcome == CallOutcome.FAILED || outcome == CallOutcome.REJECTED;
    return refused && ownReason != null && !ownReason.isBlank() ? ownReason : outcome.jsonName();
  }

  /**
   * Ends the open record of an answered call: end time, duration (from the answer, whole seconds rounded),
   * reason and media statistics. Returns false when no open record has this Call-ID (an unrecorded dialog, or
   * the second BYE of a call both sides hung up).
   */
  public Future<Boolean> close(String callId, long endMillis, String reason, String mediaStats) {
    return database.call(connection -> {
      long id;
      long answer;
      try (PreparedStatement s = connection.prepareStatement("SELECT id, answer_time FROM call_records "
          + "WHERE call_id = ? AND end_reason IS NULL AND answer_time IS NOT NULL ORDER BY id DESC")) {
        s.setString(1, cut(callId, 255));
        try (ResultSet rows = s.executeQuery()) {
          if (!rows.next()) {
            return false;
          }
          id = rows.getLong(1);
          answer = rows.getLong(2);
        }
      }
      long end = Math.max(endMillis, answer);
      try (PreparedStatement s = connection.prepareStatement("UPDATE call_records SET end_time = ?, "
          + "duration_seconds = ?, end_reason = ?, media_stats = ? WHERE id = ? AND end_reason IS NULL")) {
        s.setLong(1, end);
        s.setLong(2, (end - answer + 500) / 1000);
        s.setString(3, cut(reason == null || reason.isBlank() ? "bye" : reason, 64));
        if (mediaStats == null) {
          s.setNull(4, Types.VARCHAR);
        } else {
          s.setString(4, mediaStats);
        }
        s.setLong(5, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  /**
   * Closes the records a previous run left open (answered calls whose end it never saw) as ended "unknown".
   * Only records started before {@code beforeMillis}, so calls of this run are never touched. Blocking.
   */
  public int closeUnfinishedBlocking(long beforeMillis) {
    return database.callBlocking(connection -> {
      try (PreparedStatement s = connection.prepareStatement("UPDATE call_records SET end_reason = ? "
          + "WHERE end_reason IS NULL AND start_time < ?")) {
        s.setString(1, UNKNOWN_END);
        s.setLong(2, beforeMillis);
        return s.executeUpdate();
      }
    });
  }

  /** The calls of {@code number} as caller or callee, newest first. */
  public Future<List<CallRecord>> forNumber(String number, int limit, int offset) {
    return database.call(connection -> query(connection, "SELECT " + COLUMNS + " FROM call_records "
        + "WHERE caller = ? OR callee = ? ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?", s -> {
          s.setString(1, number);
          s.setString(2, number);
          s.setInt(3, limit);
          s.setInt(4, offset);
        }));
  }

  /**
   * Calls started in [{@code sinceMillis}, {@code untilMillis}) (until null: no bound), optionally only those of
   * {@code number}, oldest first, at most {@code limit}. Blocking (command line).
   */
  public List<CallRecord> startedBetweenBlocking(long sinceMillis, Long untilMillis, String number, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM call_records WHERE start_time >= ?");
    if (untilMillis != null) {
      sql.append(" AND start_time < ?");
    }
    if (number != null) {
      sql.append(" AND (caller = ? OR callee = ?)");
    }
    sql.append(" ORDER BY start_time, id LIMIT ?");
    return database.callBlocking(connection -> query(connection, sql.toString(), s -> {
      int i = 1;
      s.setLong(i++, sinceMillis);
      if (untilMillis != null) {
        s.setLong(i++, untilMillis);
      }
      if (number != null) {
        s.setString(i++, number);
        s.setString(i++, number);
      }
      s.setInt(i, limit);
    }));
  }

  private interface Binder {
    void bind(PreparedStatement statement) throws SQLException;
  }

  private static List<CallRecord> query(Connection connection, String sql, Binder binder) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(sql)) {
      binder.bind(s);
      List<CallRecord> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(new CallRecord(r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5),
              r.getString(6), r.getLong(7), nullableLong(r, 8), nullableLong(r, 9), nullableLong(r, 10),
              CallOutcome.fromJsonName(r.getString(11)), r.getInt(12), r.getString(13), r.getString(14)));
        }
      }
      return out;
    }
  }

  private static Long nullableLong(ResultSet r, int column) throws SQLException {
    long value = r.getLong(column);
    return r.wasNull() ? null : value;
  }

  private static void setLong(PreparedStatement s, int index, Long value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.BIGINT);
    } else {
      s.setLong(index, value);
    }
  }

  /** Cuts to the column width (counted in characters, as both databases do for VARCHAR). */
  static String cut(String value, int max) {
    if (value == null) {
      return "";
    }
    if (value.length() <= max) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max; // never split a pair
    return value.substring(0, end);
  }
}
