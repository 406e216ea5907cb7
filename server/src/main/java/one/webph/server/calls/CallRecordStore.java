package one.webph.server.calls;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import one.webph.server.db.Database;
import one.webph.server.sip.CallObserver;

/**
 * The call_records table (V5__call_records.sql). All work runs on the database worker pool ({@link Database#call});
 * writes are grouped into few transactions (group commit, in order); values longer than their column are cut, so
 * odd SIP input never loses a record.
 */
public final class CallRecordStore {
  /** Reason stored for an answered call whose end the server never saw (it stopped or crashed meanwhile). */
  public static final String UNKNOWN_END = "unknown";
  private static final String COLUMNS = "id, call_id, caller, callee, source, route, start_time, answer_time, "
      + "end_time, duration_seconds, outcome, status, end_reason, media_stats";

  private static final String INSERT = "INSERT INTO call_records (call_id, caller, callee, source, route, "
      + "start_time, answer_time, end_time, duration_seconds, outcome, status, end_reason) "
      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  // end = max(end, answer), computed by the database (no SELECT first); FLOOR keeps integer seconds on both
  private static final String CLOSE = "UPDATE call_records SET "
      + "end_time = CASE WHEN answer_time > ? THEN answer_time ELSE ? END, "
      + "duration_seconds = FLOOR((CASE WHEN answer_time > ? THEN 0 ELSE ? - answer_time END + 500) / 1000), "
      + "end_reason = ?, media_stats = ? WHERE call_id = ? AND end_reason IS NULL AND answer_time IS NOT NULL";
  /** Writes per transaction. */
  static final int MAX_BATCH = 200;

  private final Database database;
  /**
   * Writes waiting, in the order the proxy made them; one transaction at a time takes what is there (group
   * commit). A transaction per write (insert, then select + update at the end) cost the database pool about as
   * much CPU as the SIP event loop at 400 calls/s (docs/PERFORMANCE.md). Guarded by itself.
   */
  private final ArrayDeque<Write> queue = new ArrayDeque<>();
  private boolean flushing;
  private long transactions;

  public CallRecordStore(Database database) {
    this.database = database;
  }

  /**
   * Stores an INVITE's outcome. An answered call stays open (end_reason NULL) until {@link #close}; any other
   * outcome is complete at once (ended at its final response, duration 0).
   */
  public Future<Void> insert(CallObserver.InviteOutcome o) {
    Promise<Void> done = Promise.promise();
    enqueue(new Insert(o, done));
    return done.future();
  }

  private static void bindInsert(PreparedStatement s, CallObserver.InviteOutcome o) throws SQLException {
    CallOutcome outcome = CallOutcome.classify(o.status(), o.callerCancelled());
    boolean answered = outcome == CallOutcome.ANSWERED;
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
   * Ends the open record of an answered call: end time (never before the answer), duration (from the answer,
   * whole seconds rounded), reason and media statistics. Returns false when no open record has this Call-ID (an
   * unrecorded dialog, or the second BYE of a call both sides hung up).
   */
  public Future<Boolean> close(String callId, long endMillis, String reason, String mediaStats) {
    Promise<Boolean> done = Promise.promise();
    enqueue(new Close(callId, endMillis, reason, mediaStats, done));
    return done.future();
  }

  private static void bindClose(PreparedStatement s, Close c) throws SQLException {
    s.setLong(1, c.endMillis());
    s.setLong(2, c.endMillis());
    s.setLong(3, c.endMillis());
    s.setLong(4, c.endMillis());
    s.setString(5, cut(c.reason() == null || c.reason().isBlank() ? "bye" : c.reason(), 64));
    if (c.mediaStats() == null) {
      s.setNull(6, Types.VARCHAR);
    } else {
      s.setString(6, c.mediaStats());
    }
    s.setString(7, cut(c.callId(), 255));
  }

  /** Write transactions run so far (tests and diagnostics: how well writes were grouped). */
  public long transactionCount() {
    synchronized (queue) {
      return transactions;
    }
  }

  // ------------------------------------------------------------------ group commit

  private sealed interface Write permits Insert, Close { }

  private record Insert(CallObserver.InviteOutcome outcome, Promise<Void> done) implements Write { }

  private record Close(String callId, long endMillis, String reason, String mediaStats, Promise<Boolean> done)
      implements Write { }

  private void enqueue(Write w) {
    synchronized (queue) {
      queue.add(w);
      if (flushing) {
        return; // taken by the flush that follows the running one
      }
      flushing = true;
    }
    flushNext();
  }

  /**
   * One transaction for the writes queued so far (up to MAX_BATCH): the inserts as one JDBC batch, then the
   * closes as another (each UPDATE's count says whether a record was open). A batch ends before an insert whose
   * Call-ID a close earlier in the batch ends, so running inserts first never reorders the writes of one call.
   */
  private void flushNext() {
    List<Insert> inserts = new ArrayList<>();
    List<Close> closes = new ArrayList<>();
    synchronized (queue) {
      Set<String> closed = new HashSet<>();
      while (!queue.isEmpty() && inserts.size() + closes.size() < MAX_BATCH) {
        Write w = queue.peek();
        if (w instanceof Insert i) {
          if (closed.contains(i.outcome().callId())) {
            break;
          }
          inserts.add(i);
        } else {
          Close c = (Close) w;
          closed.add(c.callId());
          closes.add(c);
        }
        queue.poll();
      }
      if (inserts.isEmpty() && closes.isEmpty()) {
        flushing = false;
        return;
      }
    }
    database.transaction(connection -> {
      synchronized (queue) {
        transactions++;
      }
      if (!inserts.isEmpty()) {
        try (PreparedStatement s = connection.prepareStatement(INSERT)) {
          for (Insert i : inserts) {
            bindInsert(s, i.outcome());
            s.addBatch();
          }
          s.executeBatch();
        }
      }
      boolean[] closedOne = new boolean[closes.size()];
      if (!closes.isEmpty()) {
        try (PreparedStatement s = connection.prepareStatement(CLOSE)) {
          for (Close c : closes) {
            bindClose(s, c);
            s.addBatch();
          }
          // both drivers report each UPDATE's count here (MariaDB's bulk mode, which would not, is off by default)
          int[] counts = s.executeBatch();
          for (int k = 0; k < closes.size(); k++) {
            closedOne[k] = counts[k] > 0 || counts[k] == Statement.SUCCESS_NO_INFO;
          }
        }
      }
      return closedOne;
    }).onComplete(ar -> {
      // the next batch starts before the waiters run: a slow waiter never holds the writes back
      flushNext();
      if (ar.succeeded()) {
        inserts.forEach(i -> i.done().complete());
        for (int k = 0; k < closes.size(); k++) {
          closes.get(k).done().complete(ar.result()[k]);
        }
      } else {
        inserts.forEach(i -> i.done().fail(ar.cause()));
        closes.forEach(c -> c.done().fail(ar.cause()));
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
