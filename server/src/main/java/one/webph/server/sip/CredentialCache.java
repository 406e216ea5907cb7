package one.webph.server.sip;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import one.webph.server.numbers.Subscriber;

/**
 * A short-lived cache of subscriber rows (HA1 hashes) in front of the database, so a burst of REGISTERs and
 * INVITEs costs one query per number per TTL. Unknown numbers are cached too (a scanner trying numbers costs
 * the database little). Lookups run on the database worker pool through the loader; never blocks.
 */
public final class CredentialCache {
  private record Entry(Future<Optional<Subscriber>> value, long expiresAt) { }

  private final Function<String, Future<Optional<Subscriber>>> loader;
  private final long ttlMillis;
  private final LongSupplier clockMillis;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  public CredentialCache(Function<String, Future<Optional<Subscriber>>> loader, Duration ttl, LongSupplier clockMillis) {
    this.loader = loader;
    this.ttlMillis = ttl.toMillis();
    this.clockMillis = clockMillis;
  }

  /** The subscriber with this number (cached up to the TTL); a failed lookup is not cached. */
  public Future<Optional<Subscriber>> find(String number) {
    long now = clockMillis.getAsLong();
    Entry e = entries.get(number);
    if (e != null && e.expiresAt > now && !e.value.failed()) {
      return e.value;
    }
    if (entries.size() > 10_000) {
      entries.values().removeIf(x -> x.expiresAt <= now);
    }
    Future<Optional<Subscriber>> value = loader.apply(number);
    entries.put(number, new Entry(value, now + ttlMillis));
    value.onFailure(x -> entries.remove(number));
    return value;
  }

  /** Forgets a number (after a password change or deletion). */
  public void invalidate(String number) {
    entries.remove(number);
  }
}
