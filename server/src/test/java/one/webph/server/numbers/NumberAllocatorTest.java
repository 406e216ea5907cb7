package one.webph.server.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import one.webph.server.db.Database;
import one.webph.server.testing.DatabaseTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NumberAllocatorTest extends DatabaseTestBase {
  private Vertx vertx;
  private Database pooled;

  @BeforeEach
  void openPooledDatabase() {
    vertx = Vertx.vertx();
    // A database on a Vert.x worker pool, like the server's: allocations really run concurrently.
    pooled = new Database(config(Map.of()), vertx, null);
  }

  @AfterEach
  void close() {
    pooled.close();
    vertx.close().await();
  }

  @Test
  void twoHundredConcurrentAllocationsAreDistinctAndStored() throws Exception {
    SubscriberStore store = new SubscriberStore(pooled, "localhost");
    NumberAllocator allocator = new NumberAllocator(store, 5, new SecureRandom());
    List<Future<NumberAllocator.Allocation>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(allocator.allocate(i % 2 == 0 ? "999100" : "999200", "user" + i + "@example.org"));
    }
    Future.all(futures).await(120, TimeUnit.SECONDS);
    Set<String> numbers = new HashSet<>();
    for (Future<NumberAllocator.Allocation> future : futures) {
      NumberAllocator.Allocation allocation = future.result();
      assertThat(allocation.number()).matches("999[12]00[0-9]{5}");
      assertThat(allocation.password()).hasSizeGreaterThanOrEqualTo(16);
      numbers.add(allocation.number());
      Subscriber stored = store.findSubscriber(allocation.number()).await().orElseThrow();
      assertThat(stored.ha1()).isEqualTo(Credentials.ha1Md5(allocation.number(), "localhost", allocation.password()));
    }
    assertThat(numbers).hasSize(200);
  }

  @Test
  void aFullPrefixIsReportedAndNothingIsHalfCreated() {
    SubscriberStore store = new SubscriberStore(pooled, "localhost");
    NumberAllocator allocator = new NumberAllocator(store, 1, new SecureRandom());
    Set<String> numbers = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      numbers.add(allocator.allocate("777", null).await().number());
    }
    assertThat(numbers).hasSize(10).allMatch(n -> n.matches("777[0-9]"));
    Future<NumberAllocator.Allocation> eleventh = allocator.allocate("777", null);
    assertThat(eleventh.toCompletionStage().toCompletableFuture())
        .failsWithin(java.time.Duration.ofSeconds(30))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(NumberAllocator.PrefixFullException.class);
    long stored = store.list().await().stream().filter(s -> s.number().startsWith("777")).count();
    assertThat(stored).isEqualTo(10);
  }
}
