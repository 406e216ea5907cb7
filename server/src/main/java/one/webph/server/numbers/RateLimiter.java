package one.webph.server.numbers;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-key token bucket: {@code perHour} tokens, refilled continuously over an hour. One request takes one token;
 * with none left the caller is told how long until the next one. A limit of 0 disables limiting.
 */
public final class RateLimiter {
  private static final long HOUR_NANOS = Duration.ofHours(1).toNanos();

  private final int perHour;
  private final LongSupplier nanoClock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long updatedNanos) {
      this.tokens = tokens;
      this.updatedNanos = updatedNanos;
    }
  }

  public RateLimiter(int perHour) {
    this(perHour, System::nanoTime);
  }

  RateLimiter(int perHour, LongSupplier nanoClock) {
    this.perHour = perHour;
    this.nanoClock = nanoClock;
  }

  /** Takes a token for the key; returns Duration.ZERO when allowed, else the wait until a token is available. */
  public Duration acquire(String key) {
    if (perHour <= 0) {
      return Duration.ZERO;
    }
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perHour, now));
    synchronized (bucket) {
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return Duration.ZERO;
      }
      double missing = 1 - bucket.tokens;
      return Duration.ofNanos((long) Math.ceil(missing * HOUR_NANOS / perHour));
    }
  }

  /** Forgets keys whose bucket has refilled completely (they behave exactly like new keys). */
  public void evictIdle() {
    long now = nanoClock.getAsLong();
    buckets.entrySet().removeIf(entry -> {
      Bucket bucket = entry.getValue();
      synchronized (bucket) {
        refill(bucket, now);
        return bucket.tokens >= perHour;
      }
    });
  }

  int trackedKeys() {
    return buckets.size();
  }

  private void refill(Bucket bucket, long now) {
    double refill = (double) (now - bucket.updatedNanos) * perHour / HOUR_NANOS;
    bucket.tokens = Math.min(perHour, bucket.tokens + refill);
    bucket.updatedNanos = now;
  }
}
