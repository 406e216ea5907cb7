package one.webph.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import one.webph.server.config.ConfigLoader;
import one.webph.server.testing.TestDatabase;
import org.junit.jupiter.api.Test;

/**
 * Two transactions that lock the same two rows in opposite order deadlock on MariaDB; InnoDB kills one of them.
 * {@link Database#transaction} runs the victim again, so both complete (the bench found registrations lost this way).
 */
class DatabaseDeadlockTest {

  @Test
  void aDeadlockVictimIsRetriedAndBothTransactionsComplete() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestDatabase mariadb = TestDatabase.create(TestDatabase.Kind.MARIADB)) {
      Database database = new Database(ConfigLoader.fromValues(mariadb.configValues()), vertx, null);
      try {
        database.callBlocking(connection -> {
          try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE deadlock_rows (id INT PRIMARY KEY, v INT NOT NULL)");
            s.execute("INSERT INTO deadlock_rows VALUES (1, 0), (2, 0)");
          }
          return null;
        });
        CountDownLatch bothHoldTheirFirstRow = new CountDownLatch(2);
        Future<Void> first = database.transaction(c -> lockInOrder(c, 1, 2, bothHoldTheirFirstRow));
        Future<Void> second = database.transaction(c -> lockInOrder(c, 2, 1, bothHoldTheirFirstRow));
        Future.all(first, second).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

        int total = database.callBlocking(c -> {
          try (Statement s = c.createStatement(); var rows = s.executeQuery("SELECT SUM(v) FROM deadlock_rows")) {
            rows.next();
            return rows.getInt(1);
          }
        });
        assertThat(total).as("each transaction added 1 to both rows exactly once").isEqualTo(4);
      } finally {
        database.close();
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static Void lockInOrder(java.sql.Connection c, int a, int b, CountDownLatch latch)
      throws java.sql.SQLException {
    try (PreparedStatement update = c.prepareStatement("UPDATE deadlock_rows SET v = v + 1 WHERE id = ?")) {
      update.setInt(1, a);
      update.executeUpdate();
      latch.countDown();
      try {
        latch.await(10, TimeUnit.SECONDS); // first attempt: both hold one row now; on the retry it is already open
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.sql.SQLException("interrupted", e);
      }
      update.setInt(1, b);
      update.executeUpdate();
    }
    return null;
  }
}
