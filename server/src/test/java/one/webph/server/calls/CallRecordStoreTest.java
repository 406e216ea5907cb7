package one.webph.server.calls;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.media.relay.LegStatistics;
import one.webph.media.relay.LegType;
import one.webph.media.relay.RelayMode;
import one.webph.media.relay.SessionStatistics;
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
