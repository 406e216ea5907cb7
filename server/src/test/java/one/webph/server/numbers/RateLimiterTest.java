package one.webph.server.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void allowsTheLimitPerHourThenTellsHowLongToWait() {
    RateLimiter limiter = new RateLimiter(10, now::get);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.acquire("192.0.2.1")).isZero();
    }
    Duration wait = limiter.acquire("192.0.2.1");
    assertThat(wait).isEqualTo(Duration.ofMinutes(6));
    assertThat(limiter.acquire("192.0.2.2")).as("other addresses are independent").isZero();
    now.addAndGet(Duration.ofMinutes(6).toNanos());
    assertThat(limiter.acquire("192.0.2.1")).isZero();
    assertThat(limiter.acquire("192.0.2.1")).isPositive();
  }

  @Test
  void zeroMeansUnlimited() {
    RateLimiter limiter = new RateLimiter(0, now::get);
    for (int i = 0; i < 10_000; i++) {
      assertThat(limiter.acquire("192.0.2.1")).isZero();
    }
    assertThat(limiter.trackedKeys()).isZero();
  }

  @Test
  void idleKeysAreForgotten() {
    RateLimiter limiter = new RateLimiter(2, now::get);
    limiter.acquire("a");
    limiter.acquire("b");
    limiter.evictIdle();
    assertThat(limiter.trackedKeys()).isEqualTo(2);
    now.addAndGet(Duration.ofHours(1).toNanos());
    limiter.evictIdle();
    assertThat(limiter.trackedKeys()).isZero();
  }
}
