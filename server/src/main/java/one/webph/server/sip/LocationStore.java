package one.webph.server.sip;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import io.vertx.core.Vertx;
import one.webph.server.db.Database;
import one.webph.sip.message.Uri;
import one.webph.sip.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists the UDP bindings of {@link LocationService} in the {@code sip_location} table and loads them at
 * startup. Written behind the in-memory table, never on an event loop, by group commit (like Kamailio's usrloc
 * write-back mode, with a far shorter interval): numbers that changed are marked dirty, and one flush at a time
 * stores the current bindings of up to {@link #MAX_BATCH} dirty numbers in one transaction, at most one flush
 * per flush interval unless a full batch waits. A change after a quiet period is written at once; changes during
 * a busy one coalesce (a phone refreshing twice is written once) into few, large transactions. A crash loses at
 * most the last interval's changes (a graceful stop writes everything). Per REGISTER this was a transaction of its
 * own, which at 1600 REGISTER/s cost as much CPU as the SIP event loop and queued so deep behind a burst that HA1
 * lookups for INVITEs timed out (docs/PERFORMANCE.md).
 */
public final class LocationStore {
  private static final Logger log = LoggerFactory.getLogger(LocationStore.class);
  private static final String COLUMNS = "number, binding_key, contact_uri, instance_id, reg_id, call_id, cseq, "
      + "expires_at, flow_id, transport, source_host, source_port, user_agent, registered_at, q";
  /** Numbers per flush transaction: bounds the statement size and how long one transaction holds its locks. */
  static final int MAX_BATCH = 1000;

  private final Database database;
  private final LocationService location;
  /** Numbers changed since their last write began, in the order they changed. Guarded by {@code this}. */
  private final LinkedHashSet<String> dirty = new LinkedHashSet<>();
  /** Whether a flush transaction runs (at most one: writes of a number stay in order). Guarded by {@code this}. */
  private boolean flushing;
  /** A timer will start the next flush (the interval since the last one has not passed). Guarded by this. */
  private boolean flushScheduled;
  private long lastFlushStartMillis = Long.MIN_VALUE / 2;
  private final Vertx vertx;
  private final long flushIntervalMillis;
  private long writesTotal;
  private long flushesTotal;

  /** Writes each change at once (one flush at a time): tests and tools. */
  public LocationStore(Database database, LocationService location) {
    this(database, location, null, 0);
  }

  /**
   * @param vertx               for the flush timer (null: no interval)
   * @param flushIntervalMillis least time between the starts of two flushes; a change after a quiet period is
   *                            still written at once, changes during a busy period wait for the next flush
   */
  public LocationStore(Database database, LocationService location, Vertx vertx, long flushIntervalMillis) {
    this.database = database;
    this.location = location;
    this.vertx = vertx;
    this.flushIntervalMillis = vertx == null ? 0 : flushIntervalMillis;
  }

  /** Reads every unexpired binding (blocking: startup only) and deletes expired rows. */
  public List<Binding> loadBlocking(long nowMillis) {
    return database.callBlocking(connection -> {
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sip_location WHERE expires_at <= ?")) {
        delete.setLong(1, nowMillis);
        delete.executeUpdate();
      }
      List<Binding> out = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM sip_location");
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          try {
            out.add(new Binding(rows.getString(1), Uri.parse(rows.getString(3)), rows.getString(4), rows.getInt(5),
                rows.getString(6), rows.getLong(7), rows.getLong(8), rows.getString(9),
                Transport.fromName(rows.getString(10)), rows.getString(11), rows.getInt(12), rows.getString(13),
                rows.getLong(14), rows.getDouble(15)));
          } catch (RuntimeException e) {
            log.warn("ignoring unreadable stored binding of {}: {}", rows.getString(1), e.getMessage());
          }
        }
      }
      return out;
    });
  }

  /** Schedules writing the UDP bindings of a number (read when its write runs, so the latest state is stored). */
  public synchronized void persist(String number) {
    dirty.add(number);
    flushSoon();
  }

  /** Starts a flush now, or schedules it for when the flush interval has passed. Holds the lock. */
  private void flushSoon() {
    if (flushing || flushScheduled || dirty.isEmpty()) {
      return;
    }
    long wait = lastFlushStartMillis + flushIntervalMillis - System.currentTimeMillis();
    if (wait <= 0 || dirty.size() > MAX_BATCH) { // more than a batch waits for nothing: the backlog stays bounded
      startFlush();
      return;
    }
    flushScheduled = true;
    vertx.setTimer(wait, id -> {
      synchronized (this) {
        flushScheduled = false;
        flushSoon();
      }
    });
  }

  /**
   * Starts a flush when numbers are waiting and none runs (after a failed write: the SIP sweep calls this every
   * few seconds, so a database that was down gets the bindings once it is back).
   */
  public synchronized void retryPending() {
    flushSoon();
  }

  /**
   * Waits until every number marked so far is stored (shutdown, after the listeners closed: nothing a phone
   * registered is lost). Returns false when the database did not take them within the timeout.
   */
  public synchronized boolean flushBlocking(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (flushing || !dirty.isEmpty()) {
      if (!flushing) {
        startFlush(); // now, not after the interval (a scheduled timer then finds nothing to do)
      }
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        return false;
      }
      wait(Math.min(left, 100));
    }
    return true;
  }

  /** Numbers waiting for their write (diagnostics and tests). */
  public synchronized int pendingCount() {
    return dirty.size() + (flushing ? 1 : 0);
  }

  /** Flush transactions committed and numbers written by them (diagnostics, tests and the benchmark). */
  public synchronized long[] counters() {
    return new long[] {flushesTotal, writesTotal};
  }

  /** Takes up to MAX_BATCH dirty numbers into one transaction; when more remain, the next follows at once. */
  private void startFlush() { // holds the lock
    List<String> batch = new ArrayList<>(Math.min(dirty.size(), MAX_BATCH));
    for (Iterator<String> it = dirty.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
      batch.add(it.next());
      it.remove();
    }
    flushing = true;
    lastFlushStartMillis = System.currentTimeMillis();
    database.transaction(connection -> {
      // READ COMMITTED: no InnoDB gap locks, so this delete+insert cannot deadlock with neighbouring numbers
      connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      write(connection, batch);
      return null;
    }).onComplete(ar -> {
      synchronized (this) {
        flushing = false;
        if (ar.succeeded()) {
          flushesTotal++;
          writesTotal += batch.size();
          flushSoon();
        } else {
          // kept dirty (a number changed meanwhile is there already); retried by retryPending or the next change
          dirty.addAll(batch);
          log.warn("could not store the registrations of {} number(s), will retry: {}", batch.size(),
              ar.cause().getMessage());
        }
        notifyAll();
      }
    });
  }

  private void write(Connection connection, List<String> numbers) throws SQLException {
    StringBuilder in = new StringBuilder("DELETE FROM sip_location WHERE number IN (");
    for (int i = 0; i < numbers.size(); i++) {
      in.append(i == 0 ? "?" : ", ?");
    }
    try (PreparedStatement delete = connection.prepareStatement(in.append(')').toString())) {
      for (int i = 0; i < numbers.size(); i++) {
        delete.setString(i + 1, numbers.get(i));
      }
      delete.executeUpdate();
    }
    boolean any = false;
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO sip_location (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (String number : numbers) {
        // read when the flush runs: the bindings current now, whatever changes were coalesced into this write
        for (Binding b : location.stored(number)) {
          if (b.isConnectionBound()) {
            continue;
          }
          String contact = b.contactUri().toString();
          insert.setString(1, number);
          insert.setString(2, DigestAlgorithm.SHA_256.hash(contact + "|" + b.instanceId() + "|" + b.regId()));
          insert.setString(3, truncate(contact, 1024));
          insert.setString(4, truncate(b.instanceId(), 255));
          insert.setInt(5, b.regId());
          insert.setString(6, truncate(b.callId(), 255));
          insert.setLong(7, b.cseq());
          insert.setLong(8, b.expiresAtMillis());
          insert.setString(9, truncate(b.flowId(), 255));
          insert.setString(10, b.transport() == null ? "UDP" : b.transport().name());
          insert.setString(11, truncate(b.sourceHost(), 64));
          insert.setInt(12, b.sourcePort());
          insert.setString(13, truncate(b.userAgent(), 255));
          insert.setLong(14, b.registeredAtMillis());
          insert.setDouble(15, b.q());
          insert.addBatch();
          any = true;
        }
      }
      if (any) {
        insert.executeBatch();
      }
    }
  }

  private static String truncate(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
