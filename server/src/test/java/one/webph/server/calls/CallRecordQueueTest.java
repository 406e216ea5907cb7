package one.webph.server.calls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.config.ConfigLoader;
import one.webph.server.db.Database;
import one.webph.server.sip.CallObserver.InviteOutcome;
import org.junit.jupiter.api.Test;

/** The write queue of {@link CallRecordStore} stays bounded while the database does not answer. */
class CallRecordQueueTest {

  @Test
  void whileTheDatabaseIsDownTheQueueIsBoundedAndFurtherWritesFailAtOnce() throws Exception {
    Vertx vertx = Vertx.vertx();
    // nothing listens there: each flush waits for a connection (3 s), then fails its writes
    Database down = new Database(ConfigLoader.fromValues(Map.of("DB_URL", "jdbc:mariadb://127.0.0.1:1/none",
        "DB_USER", "none", "DB_PASSWORD", "")), vertx, null);
    try {
      CallRecordStore store = new CallRecordStore(down, vertx, 1_000);
      Future<Void> first = store.insert(outcome("q0@x", 200)); // goes at once, then waits for a connection
      for (int i = 1; i <= CallRecordStore.MAX_QUEUED; i++) {
        store.insert(outcome("q" + i + "@x", i == 1 ? 200 : 486));
      }
      // the flush of the first write still waits, so none of the later ones was taken: the queue is full
      Future<Void> over = store.insert(outcome("q-over@x", 486));
      assertThat(over.failed()).as("refused at once, not queued").isTrue();
      assertThat(over.cause()).hasMessageContaining("wait for the database");
      assertThat(store.close("q-other@x", 5_000, "bye", null).failed()).as("an UPDATE needs room too").isTrue();
      assertThat(store.pendingCount()).isEqualTo(CallRecordStore.MAX_QUEUED + 1);
      // the end of a call whose insert is queued needs none: it is merged into that row
      assertThat(store.close("q1@x", 5_000, "bye", null).isComplete()).isFalse();
      Throwable cause = catchThrowable(() -> first.await(30, TimeUnit.SECONDS));
      assertThat(Database.isUnavailable(cause)).as(String.valueOf(cause)).isTrue();
    } finally {
      down.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static InviteOutcome outcome(String callId, int status) {
    return new InviteOutcome(callId, "120001", "120002", "udp:127.0.0.1:5062", "local", 1_000, 2_000, status, false,
        true);
  }
}
