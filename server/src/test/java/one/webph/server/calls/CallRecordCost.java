package one.webph.server.calls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.config.ConfigLoader;
import one.webph.server.db.Database;
import one.webph.server.sip.CallObserver.InviteOutcome;
import one.webph.server.testing.TestDatabase;

/**
 * What call records cost per call (docs/PERFORMANCE.md, "Call records"); not a test. Drives the real path
 * ({@link CallRecorder} over {@link CallRecordStore} on the server's worker pool) against a fresh MariaDB database:
 * answered calls at a paced rate from an event loop, each hung up {@code holdMillis} later, and prints per call the
 * CPU of the database worker threads, of the whole process, and the statements MariaDB received (deltas of its
 * global status: nothing else should use that server meanwhile).
 *
 * <pre>
 * mvn -q -o -pl server -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *     -Dmdep.includeScope=test
 * java -cp server/target/test-classes:server/target/classes:$(cat /tmp/cp.txt) \
 *     one.webph.server.calls.CallRecordCost [calls=20000] [rate=400] [holdMillis=50]
 * </pre>
 */
public final class CallRecordCost {
  private static final String[] STATUS = {"Questions", "Com_insert", "Com_update", "Com_commit", "Com_set_option",
      "Com_stmt_prepare", "Com_stmt_execute", "Com_stmt_close"};

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    long hold = args.length > 2 ? Long.parseLong(args[2]) : 50;
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
      Vertx vertx = Vertx.vertx();
      Database database = new Database(ConfigLoader.fromValues(db.configValues()), vertx, null);
      database.migrate();
      try (Connection probe = DriverManager.getConnection(db.url(), TestDatabase.MARIADB_USER,
          TestDatabase.MARIADB_PASSWORD)) {
        CallRecordStore store = newStore(database, vertx);
        CallRecorder recorder = new CallRecorder(store, id -> Future.succeededFuture(null),
            System::currentTimeMillis);
        run(vertx, recorder, probe, "warm-", Math.min(calls, 5_000), rate, hold); // JIT, pool, MariaDB caches
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<String, Long> status0 = status(probe);
        long tx0 = store.transactionCount();
        long st0 = store.statementCount();
        long db0 = dbThreadsCpu(threads);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        run(vertx, recorder, probe, "run-", calls, rate, hold);
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        long dbCpu = dbThreadsCpu(threads) - db0;
        long tx = store.transactionCount() - tx0;
        long st = store.statementCount() - st0;
        Map<String, Long> status1 = status(probe);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
            "calls=%d rate=%d hold=%dms wall=%.1fs | per call: db threads %.1f us, process %.1f us, "
                + "store transactions %.4f, statements %.4f | MariaDB global status per call", calls, rate, hold,
            wall / 1e9, dbCpu / 1e3 / calls, cpu / 1e3 / calls, (double) tx / calls, (double) st / calls));
        for (String s : STATUS) {
          line.append(String.format(Locale.ROOT, ", %s %.3f", s, (double) (status1.get(s) - status0.get(s)) / calls));
        }
        System.out.println(line);
      } finally {
        database.close();
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The store as the server builds it (CallRecordsComponent). */
  private static CallRecordStore newStore(Database database, Vertx vertx) {
    return new CallRecordStore(database, vertx, CallRecordsComponent.FLUSH_INTERVAL_MILLIS);
  }

  /** Answers and hangs up {@code calls} calls at {@code rate}/s on an event loop, then waits until all are stored. */
  private static void run(Vertx vertx, CallRecorder recorder, Connection probe, String prefix, int calls, int rate,
      long hold) throws Exception {
    int perTick = Math.max(1, rate / 100);
    int[] started = {0};
    vertx.runOnContext(v -> vertx.setPeriodic(10, id -> {
      for (int k = 0; k < perTick && started[0] < calls; k++) {
        String callId = prefix + started[0]++ + "@cost";
        long now = System.currentTimeMillis();
        recorder.onInviteFinished(new InviteOutcome(callId, "555" + (started[0] % 1000), "556" + (started[0] % 1000),
            "udp:127.0.0.1:5062", "local", now - 200, now, 200, false, true));
        vertx.setTimer(hold, t -> recorder.onDialogEnded(callId, "caller hung up"));
      }
      if (started[0] >= calls) {
        vertx.cancelTimer(id);
      }
    }));
    long deadline = System.currentTimeMillis() + 120_000 + calls * 1000L / rate;
    while (closed(probe, prefix) < calls) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("only " + closed(probe, prefix) + " of " + calls + " calls stored");
      }
      Thread.sleep(250);
    }
  }

  private static long closed(Connection probe, String prefix) throws SQLException {
    try (Statement s = probe.createStatement(); ResultSet r = s.executeQuery(
        "SELECT COUNT(*) FROM call_records WHERE end_reason IS NOT NULL AND call_id LIKE '" + prefix + "%'")) {
      r.next();
      return r.getLong(1);
    }
  }

  private static long dbThreadsCpu(ThreadMXBean threads) {
    long sum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("webphone-db")) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }

  private static Map<String, Long> status(Connection probe) throws SQLException {
    Map<String, Long> out = new HashMap<>();
    try (Statement s = probe.createStatement(); ResultSet r = s.executeQuery("SHOW GLOBAL STATUS")) {
      while (r.next()) {
        for (String name : STATUS) {
          if (name.equalsIgnoreCase(r.getString(1))) {
            out.put(name, Long.parseLong(r.getString(2)));
          }
        }
      }
    }
    return out;
  }
}
