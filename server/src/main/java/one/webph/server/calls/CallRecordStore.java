package one.webph.server.calls;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import one.webph.server.db.Database;
import one.webph.server.db.SqlWork;
import one.webph.server.sip.CallObserver;

/**
 * The call_records table (V5__call_records.sql). All work runs on the database worker pool ({@link Database#call});
 * values longer than their column are cut, so odd SIP input never loses a record.
 *
 * <p>Writes are queued in the order the proxy makes them and written by one flush at a time, in that order (so an
 * end never overtakes its insert), at most one flush per flush interval unless a full batch waits; a write after a
 * quiet period goes at once. A flush is one multi-row INSERT (autocommit: one statement is atomic), plus, when
 * calls inserted earlier ended, a JDBC batch of UPDATEs in the same transaction. The end of a call whose insert is
 * still queued is merged into it: a call shorter than the wait is one complete row and no UPDATE. Per write this
 * was a transaction of its own (about five round trips), which at 400 calls/s cost the database threads about a
 * sixth of the process CPU (docs/PERFORMANCE.md, "Call records").
 *
 * <p>Durability: a graceful stop writes everything queued ({@link #flushBlocking}); a crash loses the writes
 * queued and not yet committed: at most about one flush interval's calls (answers and ends), more only while
 * the database is slower than the calls. A failed flush (database down, bad statement) fails the futures of its
 * writes (the caller logs them) and is not retried: an INSERT whose commit was not confirmed may have been stored,
 * and a retry would store the call twice. Nothing stored is ever rewritten or deleted here.
 */
public final class CallRecordStore {
  /** Reason stored for an answered call whose end the server never saw (it stopped or crashed meanwhile). */
  public static final String UNKNOWN_END = "unknown";
  private static final String COLUMNS = "id, call_id, caller, callee, source, route, start_time, answer_time, "
      + "end_time, duration_seconds, outcome, status, end_reason, media_stats";

  private static final String INSERT = "INSERT INTO call_records (call_id, caller, callee, source, route, "
      + "start_time, answer_time, end_time, duration_seconds, outcome, status, end_reason, media_stats) VALUES ";
  private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final int ROW_PARAMETERS = 13;
  // end = max(end, answer), computed by the database (no SELECT first); FLOOR keeps integer seconds on both
  private static final String CLOSE = "UPDATE call_records SET "
      + "end_time = CASE WHEN answer_time > ? THEN answer_time ELSE ? END, "
      + "duration_seconds = FLOOR((CASE WHEN answer_time > ? THEN 0 ELSE ? - answer_time END + 500) / 1000), "
      + "end_reason = ?, media_stats = ? WHERE call_id = ? AND end_reason IS NULL AND answer_time IS NOT NULL";
  /** Rows per INSERT and UPDATEs per flush: bounds a statement (well under 1 MB) and one transaction's locks. */
  static final int MAX_BATCH = 500;
  /**
   * Rows per INSERT statement: a flush of MAX_BATCH rows is several statements. One statement of 500 rows (with
   * their media statistics) made MariaDB Connector/J grow its packet buffer to 1 MiB, a humongous allocation for
   * G1 (half a region or more) at every flush, and each started a concurrent marking cycle: a third of the server's
   * CPU at 800 calls/s (docs/PERFORMANCE.md, SIP, fourth run).
   */
  static final int ROWS_PER_INSERT = 100;
  /** Writes waiting at most (the database down or slower than the calls); beyond it a write fails at once. */
  static final int MAX_QUEUED = 20 * MAX_BATCH;

  private final Database database;
  private final Vertx vertx;
  private final long flushIntervalMillis;
  /** Writes waiting, in the order the proxy made them. Guarded by {@code this}, like every field below. */
  private final ArrayDeque<Write> queue = new ArrayDeque<>();
  /** Answered calls whose insert is still queued and whose end is not known yet: an end is merged into these. */
  private final Map<String, Insert> mergeable = new HashMap<>();
  /** Writes taken by flushes whose futures are not completed yet. */
  private int unfinished;
  /** A flush runs (at most one: writes stay in order). */
  private boolean flushing;
  /** A timer will start the next flush (the interval since the last one has not passed). */
  private boolean flushScheduled;
  private long lastFlushStartMillis = Long.MIN_VALUE / 2;
  private long transactions;
  private long statements;

  /** Writes each change at once, one flush at a time (tests, tools and readers). */
  public CallRecordStore(Database database) {
    this(database, null, 0);
  }

  /**
   * @param vertx               for the flush timer (null: no interval)
   * @param flushIntervalMillis least time between the starts of two flushes; a write after a quiet period is still
   *                            written at once, writes during a busy period wait for the next flush
   */
  public CallRecordStore(Database database, Vertx vertx, long flushIntervalMillis) {
    this.database = database;
    this.vertx = vertx;
    this.flushIntervalMillis = vertx == null ? 0 : flushIntervalMillis;
  }

  /**
   * Stores an INVITE's outcome. An answered call stays open (end_reason NULL) until {@link #close}; any other
   * outcome is complete at once (ended at its final response, duration 0).
   */
  public Future<Void> insert(CallObserver.InviteOutcome o) {
    Insert insert = new Insert(o, Promise.promise());
    Batch batch;
    synchronized (this) {
      if (queue.size() >= MAX_QUEUED) {
        return Future.failedFuture(full());
      }
      queue.add(insert);
      if (o.answered()) {
        mergeable.put(o.callId(), insert);
      }
      batch = takeIfDue();
    }
    run(batch);
    return insert.done.future();
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
   * unrecorded dialog, or the second BYE of a call both sides hung up). The call's insert must have been made
   * before (the proxy reports the answer before the dialog exists): a close never overtakes it.
   */
  public Future<Boolean> close(String callId, long endMillis, String reason, String mediaStats) {
    Close close = new Close(callId, endMillis, reason, mediaStats, Promise.promise());
    Batch batch;
    synchronized (this) {
      Insert open = mergeable.remove(callId);
      if (open != null) {
        open.close = close; // written as one complete row, true once it is stored
        return close.done().future();
      }
      if (queue.size() >= MAX_QUEUED) {
        return Future.failedFuture(full());
      }
      queue.add(close);
      batch = takeIfDue();
    }
    run(batch);
    return close.done().future();
  }

  private static int insertStatements(int rows) {
    return (rows + ROWS_PER_INSERT - 1) / ROWS_PER_INSERT;
  }

  private static IllegalStateException full() {
    return new IllegalStateException(MAX_QUEUED + " call record writes already wait for the database");
  }

  /** Flushes run so far (each one transaction or one autocommit statement): how well writes were grouped. */
  public synchronized long transactionCount() {
    return transactions;
  }

  /** INSERT and UPDATE statements sent so far (a multi-row INSERT counts once; transaction control not counted). */
  public synchronized long statementCount() {
    return statements;
  }

  /** Writes queued or being written (tests, shutdown). */
  public synchronized int pendingCount() {
    return queue.size() + unfinished;
  }

  /**
   * Writes everything queued so far without waiting for the interval (shutdown, after the SIP listeners closed);
   * returns once their futures are completed, or false when that did not happen within the timeout.
   */
  public boolean flushBlocking(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      Batch batch = null;
      synchronized (this) {
        if (queue.isEmpty() && unfinished == 0) {
          return true;
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        if (flushing || queue.isEmpty()) { // a flush runs, or its futures are being completed
          wait(Math.min(left, 100));
        } else {
          batch = take(); // a scheduled timer then finds nothing to do
        }
      }
      run(batch);
    }
  }

  // ------------------------------------------------------------------ group commit

  private sealed interface Write permits Insert, Close { }

  private static final class Insert implements Write {
    final CallObserver.InviteOutcome outcome;
    final Promise<Void> done;
    /** The call's end, merged while the insert was queued (guarded by the store), or null. */
    Close close;

    Insert(CallObserver.InviteOutcome outcome, Promise<Void> done) {
      this.outcome = outcome;
      this.done = done;
    }
  }

  private record Close(String callId, long endMillis, String reason, String mediaStats, Promise<Boolean> done)
      implements Write { }

  private record Batch(List<Insert> inserts, List<Close> closes) { }

  /** The next batch when a flush may start now; else schedules one for when the interval has passed. Holds the lock. */
  private Batch takeIfDue() {
    if (flushing || queue.isEmpty()) {
      return null;
    }
    long wait = lastFlushStartMillis + flushIntervalMillis - System.currentTimeMillis();
    if (wait <= 0 || queue.size() >= MAX_BATCH) { // a full batch waits for nothing: the backlog stays bounded
      return take(); // a timer already scheduled then finds the rest, or nothing
    }
    if (flushScheduled) {
      return null;
    }
    flushScheduled = true;
    vertx.setTimer(wait, id -> {
      Batch batch;
      synchronized (this) {
        flushScheduled = false;
        batch = takeIfDue();
      }
      run(batch);
    });
    return null;
  }

  /**
   * Takes the queued writes (up to MAX_BATCH rows and MAX_BATCH closes) for one flush. The flush runs its INSERT
   * before its UPDATEs, so the batch ends before an insert whose Call-ID a close earlier in it ends: the writes of
   * one Call-ID are never reordered. Holds the lock.
   */
  private Batch take() {
    List<Insert> inserts = new ArrayList<>();
    List<Close> closes = new ArrayList<>();
    Set<String> closed = new HashSet<>();
    while (!queue.isEmpty() && inserts.size() < MAX_BATCH && closes.size() < MAX_BATCH) {
      Write w = queue.peek();
      if (w instanceof Insert i) {
        if (closed.contains(i.outcome.callId())) {
          break;
        }
        mergeable.remove(i.outcome.callId(), i); // sent now: a later end is an UPDATE
        inserts.add(i);
      } else {
        Close c = (Close) w;
        closed.add(c.callId());
        closes.add(c);
      }
      queue.poll();
    }
    flushing = true;
    unfinished += inserts.size() + closes.size();
    lastFlushStartMillis = System.currentTimeMillis();
    return new Batch(inserts, closes);
  }

  /** Writes a batch (never holding the lock: with a database that runs work on the calling thread, it runs here). */
  private void run(Batch batch) {
    if (batch == null) {
      return;
    }
    List<Insert> inserts = batch.inserts();
    List<Close> closes = batch.closes();
    SqlWork<boolean[]> work = connection -> {
      synchronized (this) {
        transactions++;
        statements += insertStatements(inserts.size()) + closes.size();
      }
      for (int from = 0; from < inserts.size(); from += ROWS_PER_INSERT) {
        List<Insert> rows = inserts.subList(from, Math.min(inserts.size(), from + ROWS_PER_INSERT));
        StringBuilder sql = new StringBuilder(INSERT.length() + rows.size() * (ROW.length() + 2)).append(INSERT);
        for (int k = 0; k < rows.size(); k++) {
          sql.append(k == 0 ? "" : ", ").append(ROW);
        }
        try (PreparedStatement s = connection.prepareStatement(sql.toString())) {
          for (int k = 0; k < rows.size(); k++) {
            bindRow(s, k * ROW_PARAMETERS, rows.get(k));
          }
          s.executeUpdate();
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
    };
    // one statement is atomic by itself; with more (UPDATEs, or more rows than one INSERT takes), one transaction
    // (and one commit) for the flush
    Future<boolean[]> written;
    try {
      written = closes.isEmpty() && insertStatements(inserts.size()) <= 1 ? database.call(work)
          : database.transaction(work);
    } catch (RuntimeException e) { // the worker pool closed (stopping): fail these writes, never stall the queue
      written = Future.failedFuture(e);
    }
    written.onComplete(ar -> {
      Batch next;
      synchronized (this) {
        flushing = false;
        next = takeIfDue();
      }
      run(next); // before the waiters run: a slow waiter never holds the writes back
      for (Insert i : inserts) {
        if (ar.succeeded()) {
          i.done.complete();
          if (i.close != null) {
            i.close.done().complete(true);
          }
        } else {
          i.done.fail(ar.cause());
          if (i.close != null) {
            i.close.done().fail(ar.cause());
          }
        }
      }
      for (int k = 0; k < closes.size(); k++) {
        if (ar.succeeded()) {
          closes.get(k).done().complete(ar.result()[k]);
        } else {
          closes.get(k).done().fail(ar.cause());
        }
      }
      synchronized (this) {
        unfinished -= inserts.size() + closes.size();
        notifyAll();
      }
    });
  }

  /** One row: an unanswered call complete, an answered one open, or complete with its merged end. */
  private static void bindRow(PreparedStatement s, int base, Insert insert) throws SQLException {
    CallObserver.InviteOutcome o = insert.outcome;
    CallOutcome outcome = CallOutcome.classify(o.status(), o.callerCancelled());
    boolean answered = outcome == CallOutcome.ANSWERED;
    Close end = answered ? insert.close : null;
    Long endMillis = null; // open
    Long duration = null;
    String endReason = null;
    if (!answered) {
      endMillis = o.finishedMillis();
      duration = 0L;
      endReason = endReason(outcome, o.reason());
    } else if (end != null) { // as CLOSE computes it: never before the answer, whole seconds rounded
      endMillis = Math.max(end.endMillis(), o.finishedMillis());
      duration = (endMillis - o.finishedMillis() + 500) / 1000;
      endReason = closeReason(end);
    }
    s.setString(base + 1, cut(o.callId(), 255));
    s.setString(base + 2, cut(o.caller(), 255));
    s.setString(base + 3, cut(o.callee(), 255));
    s.setString(base + 4, cut(o.source(), 128));
    s.setString(base + 5, cut(o.route(), 255));
    s.setLong(base + 6, o.startMillis());
    setLong(s, base + 7, answered ? o.finishedMillis() : null);
    setLong(s, base + 8, endMillis);
    setLong(s, base + 9, duration);
    s.setString(base + 10, outcome.jsonName());
    s.setInt(base + 11, o.status());
    setString(s, base + 12, endReason == null ? null : cut(endReason, 64));
    setString(s, base + 13, end == null ? null : end.mediaStats());
  }

  private static String closeReason(Close c) {
    return c.reason() == null || c.reason().isBlank() ? "bye" : c.reason();
  }

  private static void bindClose(PreparedStatement s, Close c) throws SQLException {
    s.setLong(1, c.endMillis());
    s.setLong(2, c.endMillis());
    s.setLong(3, c.endMillis());
    s.setLong(4, c.endMillis());
    s.setString(5, cut(closeReason(c), 64));
    setString(s, 6, c.mediaStats());
    s.setString(7, cut(c.callId(), 255));
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

  private static void setString(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
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
