package one.webph.server.calls;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import one.webph.media.relay.LegStatistics;
import one.webph.media.relay.LegType;
import one.webph.media.relay.RelayMode;
import one.webph.media.relay.SessionStatistics;
import one.webph.server.db.Database;
import one.webph.server.sip.CallObserver.InviteOutcome;
import one.webph.server.testing.DatabaseTestBase;
import org.junit.jupiter.api.Test;

/** The call_records table and the recorder on H2 and MariaDB. Each test uses its own numbers and Call-IDs. */
class CallRecordStoreTest extends DatabaseTestBase {
  private static final long T0 = Instant.parse("2026-11-02T10:00:00Z").toEpochMilli();

  private static InviteOutcome outcome(String callId, String caller, String callee, long start, long finished,
      int status, boolean cancelled) {
    return new InviteOutcome(callId, caller, callee, "udp:127.0.0.1:5062", "local", start, finished, status,
        cancelled, true);
  }

  private static CallRecord only(CallRecordStore store, String number) {
    List<CallRecord> records = store.forNumber(number, 10, 0).await();
    assertThat(records).hasSize(1);
    return records.get(0);
  }

  @Test
  void answeredCallStaysOpenUntilClosedWithDurationAndStatistics() {
    CallRecordStore store = new CallRecordStore(database());
    store.insert(outcome("a1@x", "111001", "111002", T0, T0 + 4_000, 200, false)).await();
    CallRecord open = only(store, "111001");
    assertThat(open.outcome()).isEqualTo(CallOutcome.ANSWERED);
    assertThat(open.answerMillis()).isEqualTo(T0 + 4_000);
    assertThat(open.endMillis()).isNull();
    assertThat(open.inProgress()).isTrue();

    assertThat(store.close("a1@x", T0 + 65_600, "caller hung up", "{\"caller\":null}").await()).isTrue();
    CallRecord closed = only(store, "111002");
    assertThat(closed.endMillis()).isEqualTo(T0 + 65_600);
    assertThat(closed.durationSeconds()).isEqualTo(62); // 61.6 s rounded
    assertThat(closed.endReason()).isEqualTo("caller hung up");
    assertThat(closed.mediaStats()).isEqualTo("{\"caller\":null}");
    // the other side's BYE (or a second end) finds nothing open
    assertThat(store.close("a1@x", T0 + 70_000, "callee hung up", null).await()).isFalse();
    assertThat(only(store, "111002").endMillis()).isEqualTo(T0 + 65_600);
  }

  @Test
  void callRefusedByTheServerKeepsItsReasonOthersTheOutcomeName() {
    CallRecordStore store = new CallRecordStore(database());
    store.insert(new InviteOutcome("r1@x", "115001", "99940012", "udp:127.0.0.1:5062", "dead", T0, T0, 503, false,
        false, "dead unreachable")).await();
    CallRecord refused = only(store, "99940012");
    assertThat(refused.outcome()).isEqualTo(CallOutcome.FAILED);
    assertThat(refused.route()).isEqualTo("dead");
    assertThat(refused.endReason()).isEqualTo("dead unreachable");
    // a missed call stays "missed" whatever the server said (480 "village gateway offline")
    store.insert(new InviteOutcome("r2@x", "115001", "99930012", "udp:127.0.0.1:5062", "village", T0, T0, 480,
        false, false, "village gateway offline")).await();
    assertThat(only(store, "99930012").endReason()).isEqualTo("missed");
    // a reason longer than the column is cut, never refused
    store.insert(new InviteOutcome("r3@x", "115001", "99950012", "udp:127.0.0.1:5062", "local", T0, T0, 403, false,
        false, "x".repeat(200))).await();
    assertThat(only(store, "99950012").endReason()).hasSize(64);
  }

  @Test
  void unansweredOutcomesAreCompleteAtOnce() {
    CallRecordStore store = new CallRecordStore(database());
    store.insert(outcome("b1@x", "112001", "112002", T0, T0 + 1_000, 486, false)).await();
    store.insert(outcome("b2@x", "112001", "112003", T0 + 10, T0 + 2_000, 487, true)).await();
    store.insert(outcome("b3@x", "112001", "112004", T0 + 20, T0 + 3_000, 603, false)).await();
    store.insert(outcome("b4@x", "112001", "112005", T0 + 30, T0 + 4_000, 408, false)).await();
    store.insert(outcome("b5@x", "112001", "112006", T0 + 40, T0 + 40, 404, false)).await();
    List<CallRecord> records = store.forNumber("112001", 10, 0).await();
    assertThat(records).extracting(CallRecord::outcome).containsExactly(CallOutcome.FAILED, CallOutcome.MISSED,
        CallOutcome.REJECTED, CallOutcome.CANCELED, CallOutcome.BUSY); // newest first
    assertThat(records).allSatisfy(r -> {
      assertThat(r.answerMillis()).isNull();
      assertThat(r.endMillis()).isNotNull();
      assertThat(r.durationSeconds()).isZero();
      assertThat(r.inProgress()).isFalse();
    });
    assertThat(records.get(0).status()).isEqualTo(404);
    assertThat(store.close("b1@x", T0 + 9_000, "bye", null).await()).isFalse();
  }

  @Test
  void listsOnlyTheNumbersOwnCallsNewestFirstWithLimitAndOffset() {
    CallRecordStore store = new CallRecordStore(database());
    for (int i = 0; i < 5; i++) {
      store.insert(outcome("c" + i + "@x", i % 2 == 0 ? "113001" : "113002", i % 2 == 0 ? "113002" : "113001",
          T0 + i * 1000, T0 + i * 1000 + 500, 486, false)).await();
    }
    store.insert(outcome("c9@x", "113003", "113004", T0, T0 + 1, 486, false)).await();
    List<CallRecord> page = store.forNumber("113001", 2, 1).await();
    assertThat(page).extracting(CallRecord::callId).containsExactly("c3@x", "c2@x");
    assertThat(store.forNumber("113001", 10, 0).await()).hasSize(5);
    assertThat(store.forNumber("113001", 10, 5).await()).isEmpty();
    assertThat(store.forNumber("113005", 10, 0).await()).isEmpty();
  }

  @Test
  void aBurstOfCallsIsWrittenInFewTransactionsEachEndAfterItsInsert() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    one.webph.server.db.Database async = new one.webph.server.db.Database(config(java.util.Map.of()), vertx, null);
    try {
      CallRecordStore store = new CallRecordStore(async);
      int calls = 600;
      List<Future<Boolean>> ends = new java.util.ArrayList<>();
      for (int i = 0; i < calls; i++) { // answered and hung up at once: the end is queued right behind the insert
        store.insert(outcome("g" + i + "@x", "118001", "118" + (100 + i), T0, T0 + 1_000, 200, false));
        ends.add(store.close("g" + i + "@x", T0 + 3_400 + i, "bye", null));
      }
      Future.all(ends).await(60, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(ends).allSatisfy(end -> assertThat(end.result()).as("each end found its open record").isTrue());
      List<CallRecord> records = store.forNumber("118001", calls + 1, 0).await();
      assertThat(records).hasSize(calls).allSatisfy(r -> {
        assertThat(r.inProgress()).isFalse();
        assertThat(r.durationSeconds()).isIn(2L, 3L); // 2.4 s to 3.0 s after the answer, rounded
      });
      assertThat(store.transactionCount()).as("transactions for %d writes", 2 * calls).isLessThan(2 * calls / 10);
    } finally {
      async.close();
      vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** A Database on a real Vert.x worker pool (the server's), so writes run concurrently with new ones. */
  private static void withAsyncDatabase(AsyncTest test) throws Exception {
    Vertx vertx = Vertx.vertx();
    Database async = new Database(config(Map.of()), vertx, null);
    try {
      test.run(vertx, async);
    } finally {
      async.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private interface AsyncTest {
    void run(Vertx vertx, Database async) throws Exception;
  }

  @Test
  void shortCallsQueuedWithTheirInsertBecomeOneCompleteRowEach() throws Exception {
    withAsyncDatabase((vertx, async) -> {
      // an interval far longer than the test: after the first write, only a full batch or the stop flushes
      CallRecordStore store = new CallRecordStore(async, vertx, 600_000);
      int calls = 1000;
      List<Future<Boolean>> ends = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        store.insert(outcome("h" + i + "@x", "119001", "7190" + (1000 + i), T0, T0 + 1_000, 200, false));
        ends.add(store.close("h" + i + "@x", T0 + 3_400 + i, "bye", "{\"n\":" + i + "}"));
      }
      assertThat(store.flushBlocking(60_000)).isTrue();
      assertThat(store.pendingCount()).isZero();
      assertThat(ends).allSatisfy(end -> assertThat(end.result()).as("each end found its record").isTrue());
      List<CallRecord> records = store.forNumber("119001", calls + 1, 0).await();
      assertThat(records).hasSize(calls).allSatisfy(r -> {
        assertThat(r.inProgress()).isFalse();
        assertThat(r.endReason()).isEqualTo("bye");
        assertThat(r.durationSeconds()).isIn(2L, 3L);
        assertThat(r.endMillis() - T0 - 3_400).isEqualTo(Long.parseLong(r.callId().replaceAll("\\D", "")));
        assertThat(r.mediaStats()).isEqualTo("{\"n\":" + r.callId().replaceAll("\\D", "") + "}");
      });
      // 2000 writes: the first insert at once, then full batches of 500 complete rows (INSERTs of at most
      // ROWS_PER_INSERT rows), each flush at most one partly filled INSERT and one UPDATE for an end that came just
      // after its insert was taken
      assertThat(store.transactionCount()).as("flushes for %d calls", calls).isLessThanOrEqualTo(6);
      assertThat(store.statementCount()).as("statements for %d calls", calls)
          .isLessThanOrEqualTo(calls / CallRecordStore.ROWS_PER_INSERT + 2 * store.transactionCount());
    });
  }

  @Test
  void anEndRacingItsInsertAlwaysFindsItsRecord() throws Exception {
    withAsyncDatabase((vertx, async) -> {
      CallRecordStore store = new CallRecordStore(async); // flushes back to back: ends land in every state
      ExecutorService enders = Executors.newFixedThreadPool(3);
      try {
        int calls = 400;
        List<CompletableFuture<Boolean>> ends = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < calls; i++) {
          String callId = "k" + i + "@x";
          store.insert(outcome(callId, "119501", "7191" + (1000 + i), T0, T0 + 1_000, 200, false));
          long pause = random.nextInt(3_000_000); // queued with the insert, while it is written, or after
          ends.add(CompletableFuture.supplyAsync(() -> {
            LockSupport.parkNanos(pause);
            return store.close(callId, T0 + 2_000, "caller hung up", null).toCompletionStage();
          }, enders).thenCompose(f -> f).toCompletableFuture());
        }
        CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(ends).allSatisfy(end -> assertThat(end.get()).as("the end found its open record").isTrue());
        assertThat(store.forNumber("119501", calls + 1, 0).await()).hasSize(calls).allSatisfy(r -> {
          assertThat(r.endReason()).isEqualTo("caller hung up");
          assertThat(r.durationSeconds()).isEqualTo(1);
        });
        // and a second end (the other side's BYE) finds nothing open, merged or not
        assertThat(store.close("k1@x", T0 + 5_000, "callee hung up", null).await()).isFalse();
        store.insert(outcome("k-twice@x", "119502", "119503", T0, T0 + 1_000, 200, false));
        Future<Boolean> first = store.close("k-twice@x", T0 + 2_000, "caller hung up", null);
        Future<Boolean> second = store.close("k-twice@x", T0 + 2_100, "callee hung up", null);
        assertThat(first.await()).isTrue();
        assertThat(second.await()).isFalse();
        assertThat(only(store, "119503").endReason()).isEqualTo("caller hung up");
      } finally {
        enders.shutdownNow();
      }
    });
  }

  @Test
  void aWriteAfterAQuietPeriodGoesAtOnceLaterOnesWaitForTheIntervalOrTheStop() throws Exception {
    withAsyncDatabase((vertx, async) -> {
      CallRecordStore store = new CallRecordStore(async, vertx, 600_000);
      store.insert(outcome("m1@x", "119601", "119602", T0, T0 + 1_000, 200, false));
      for (int i = 0; i < 250 && store.pendingCount() > 0; i++) {
        Thread.sleep(20);
      }
      assertThat(store.pendingCount()).as("first write stored without waiting for the interval").isZero();
      assertThat(only(store, "119601").inProgress()).isTrue();

      Future<Boolean> end1 = store.close("m1@x", T0 + 61_000, "callee hung up", null);
      Future<Void> insert2 = store.insert(outcome("m2@x", "119603", "119604", T0, T0 + 2_000, 200, false));
      Future<Boolean> end2 = store.close("m2@x", T0 + 4_000, "caller hung up", null);
      Future<Void> missed = store.insert(outcome("m3@x", "119605", "119606", T0, T0 + 9_000, 480, false));
      store.insert(outcome("m4@x", "119607", "119608", T0, T0 + 5_000, 200, false));
      Future<Boolean> end4 = store.close("m4@x", T0 + 4_990, "bye", null); // another thread's clock, behind
      Thread.sleep(300);
      assertThat(store.pendingCount()).as("within the interval: waiting").isEqualTo(4);
      assertThat(store.forNumber("119603", 10, 0).await()).isEmpty();
      assertThat(only(store, "119601").inProgress()).isTrue();

      assertThat(store.flushBlocking(10_000)).as("a stop writes them without waiting for the interval").isTrue();
      assertThat(end1.result()).isTrue();
      assertThat(insert2.succeeded()).isTrue();
      assertThat(end2.result()).isTrue();
      assertThat(missed.succeeded()).isTrue();
      assertThat(only(store, "119601").durationSeconds()).isEqualTo(60);
      CallRecord merged = only(store, "119603");
      assertThat(merged.answerMillis()).isEqualTo(T0 + 2_000);
      assertThat(merged.endMillis()).isEqualTo(T0 + 4_000);
      assertThat(merged.durationSeconds()).isEqualTo(2);
      assertThat(merged.endReason()).isEqualTo("caller hung up");
      assertThat(only(store, "119605").outcome()).isEqualTo(CallOutcome.MISSED);
      assertThat(end4.result()).isTrue();
      CallRecord early = only(store, "119607");
      assertThat(early.endMillis()).as("never before the answer, as an UPDATE ends it").isEqualTo(T0 + 5_000);
      assertThat(early.durationSeconds()).isZero();
      assertThat(store.transactionCount()).as("flushes").isEqualTo(2);
      assertThat(store.statementCount()).as("the first INSERT, then one INSERT of three rows and one UPDATE")
          .isEqualTo(3);
    });
  }

  @Test
  void whileTheTableIsUnreachableWritesFailAndWhatWasStoredStays() throws Exception {
    withAsyncDatabase((vertx, async) -> {
      CallRecordStore store = new CallRecordStore(async);
      store.insert(outcome("p1@x", "119801", "119802", T0, T0 + 1_000, 200, false)).await(); // open, stored
      store.insert(outcome("p2@x", "119801", "119803", T0, T0 + 1_000, 486, false)).await(); // complete, stored
      rename("call_records", "call_records_away"); // every write fails now, as with the database unreachable
      List<Future<?>> failed = new ArrayList<>();
      try {
        failed.add(store.close("p1@x", T0 + 9_000, "bye", null));
        failed.add(store.insert(outcome("p3@x", "119801", "119804", T0, T0 + 1_000, 200, false)));
        failed.add(store.close("p3@x", T0 + 2_000, "bye", null)); // merged: fails with its insert
        failed.add(store.insert(outcome("p4@x", "119801", "119805", T0, T0 + 1_000, 603, false)));
        assertThat(store.flushBlocking(10_000)).isTrue();
        assertThat(failed).allSatisfy(f -> assertThat(f.failed()).as("failed, for the caller to log").isTrue());
      } finally {
        rename("call_records_away", "call_records");
      }
      List<CallRecord> records = store.forNumber("119801", 10, 0).await();
      assertThat(records).extracting(CallRecord::callId).containsExactlyInAnyOrder("p1@x", "p2@x");
      // back: the open record is still open and can be ended, new calls are stored
      Future<Boolean> again = store.close("p1@x", T0 + 9_000, "bye", null);
      store.insert(outcome("p5@x", "119801", "119806", T0, T0 + 1_000, 480, false));
      assertThat(store.flushBlocking(10_000)).isTrue();
      assertThat(again.result()).isTrue();
      assertThat(only(store, "119802").durationSeconds()).isEqualTo(8);
      assertThat(only(store, "119803").outcome()).isEqualTo(CallOutcome.BUSY);
      assertThat(only(store, "119806").outcome()).isEqualTo(CallOutcome.MISSED);
    });
  }

  private static void rename(String from, String to) {
    database().callBlocking(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("ALTER TABLE " + from + " RENAME TO " + to);
      }
      return null;
    });
  }

  @Test
  void recordsLeftOpenByAPreviousRunAreClosedAsUnknown() {
    CallRecordStore store = new CallRecordStore(database());
    store.insert(outcome("d1@x", "114001", "114002", T0, T0 + 100, 200, false)).await();
    store.insert(outcome("d2@x", "114001", "114003", T0 + 60_000, T0 + 60_100, 200, false)).await();
    assertThat(store.closeUnfinishedBlocking(T0 + 30_000)).isEqualTo(1);
    List<CallRecord> records = store.forNumber("114001", 10, 0).await();
    assertThat(records.get(1).endReason()).isEqualTo(CallRecordStore.UNKNOWN_END);
    assertThat(records.get(1).endMillis()).isNull();
    assertThat(records.get(0).inProgress()).isTrue(); // started after the restart: untouched
    assertThat(store.close("d1@x", T0 + 90_000, "bye", null).await()).isFalse();
  }

  @Test
  void startedBetweenFiltersByPeriodAndNumber() {
    CallRecordStore store = new CallRecordStore(database());
    long day = 86_400_000L;
    store.insert(outcome("e1@x", "115001", "115002", T0 - day, T0 - day + 1, 480, false)).await();
    store.insert(outcome("e2@x", "115001", "115003", T0, T0 + 1, 480, false)).await();
    store.insert(outcome("e3@x", "115004", "115003", T0 + day, T0 + day + 1, 480, false)).await();
    assertThat(store.startedBetweenBlocking(T0, null, "115003", 10)).extracting(CallRecord::callId)
        .containsExactly("e2@x", "e3@x");
    assertThat(store.startedBetweenBlocking(T0, T0 + day, "115003", 10)).extracting(CallRecord::callId)
        .containsExactly("e2@x");
    assertThat(store.startedBetweenBlocking(T0 - day, null, "115001", 1)).extracting(CallRecord::callId)
        .containsExactly("e1@x");
  }

  @Test
  void overlongValuesAreCutNotRejected() {
    CallRecordStore store = new CallRecordStore(database());
    String longId = "f".repeat(300) + "@x";
    store.insert(new InviteOutcome(longId, "116001", "sip:" + "g".repeat(400) + "@elsewhere", "udp:1.2.3.4:5",
        "elsewhere", T0, T0, 503, false, false)).await();
    CallRecord r = only(store, "116001");
    assertThat(r.callId()).hasSize(255);
    assertThat(r.callee()).hasSize(255);
    assertThat(r.outcome()).isEqualTo(CallOutcome.FAILED);
  }

  @Test
  void recorderStoresTheEndAfterTheInsertWithTheRelayStatistics() {
    CallRecordStore store = new CallRecordStore(database());
    AtomicLong clock = new AtomicLong(T0 + 30_000);
    Promise<SessionStatistics> stats = Promise.promise();
    CallRecorder recorder = new CallRecorder(store, callId -> "g1@x".equals(callId) ? stats.future()
        : Future.failedFuture(new IllegalStateException("relay gone")), clock::get);
    recorder.onInviteFinished(outcome("g1@x", "117001", "117002", T0, T0 + 2_000, 200, false));
    recorder.onDialogEnded("g1@x", "callee hung up");
    // the statistics arrive after the end was reported: the record waits for them
    assertThat(only(store, "117001").inProgress()).isTrue();
    LegStatistics caller = new LegStatistics("caller", LegType.BROWSER, 30000, null, "127.0.0.1:4000", 1400, 224000,
        1390, 222400, 12, 11, 3, 5, 7, 120L, true);
    LegStatistics callee = new LegStatistics("callee", LegType.PLAIN, 30002, 30003, "127.0.0.1:5000", 1390, 222400,
        1400, 224000, 10, 12, 0, null, null, null, false);
    stats.complete(new SessionStatistics("g1@x", "tag", "webphone-callee", RelayMode.BROWSER_PLAIN, false,
        Instant.ofEpochMilli(T0), Instant.ofEpochMilli(T0 + 29_000), caller, callee));
    CallRecord r = only(store, "117001");
    assertThat(r.durationSeconds()).isEqualTo(28);
    assertThat(r.endReason()).isEqualTo("callee hung up");
    JsonObject json = new JsonObject(r.mediaStats());
    assertThat(json.getJsonObject("caller").getLong("packetsIn")).isEqualTo(1400);
    assertThat(json.getJsonObject("caller").getLong("jitter")).isEqualTo(120);
    assertThat(json.getJsonObject("callee").getValue("fractionLost")).isNull();
    assertThat(recorder.pendingWrites()).isZero();

    // a relay that fails costs only the statistics
    recorder.onInviteFinished(outcome("g2@x", "117003", "117002", T0, T0 + 1_000, 200, false));
    recorder.onDialogEnded("g2@x", "media ended");
    CallRecord second = only(store, "117003");
    assertThat(second.endReason()).isEqualTo("media ended");
    assertThat(second.mediaStats()).isNull();
  }
}
