package one.webph.server.push;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call ids handed to the app in push notifications, and the "Hang up" button behind them. A SIP Call-ID is not
 * secret (every proxy on the path sees it), so the app gets a random 128-bit token instead, bound to the call and
 * its callee; whoever presents the token (the service worker of the callee's device) may reject that call once.
 * Tokens live until the call could no longer be ringing (hold time plus INVITE timeout) or are {@link #forget}ten.
 * Thread-safe.
 */
public final class RejectRegistry {
  private static final Logger log = LoggerFactory.getLogger(RejectRegistry.class);
  private static final int TOKEN_BYTES = 16;
  /** Bounds memory if calls arrive faster than tokens expire (a flood of INVITEs to pushed numbers). */
  static final int MAX_TOKENS = 100_000;

  /** The proxy's reaction to a rejection: answer the held or ringing call, e.g. with 603 Decline. */
  @FunctionalInterface
  public interface RejectListener {
    void onReject(String callId, String callee);
  }

  /** The outcome of a rejection request. */
  public enum Outcome {
    /** The listeners were told. */
    REJECTED,
    /** Unknown, used or expired token, or a token of another callee (indistinguishable on purpose). */
    NOT_FOUND
  }

  private record Call(String callId, String callee) {}

  /** {@code used}: the call was rejected; the token stays as the call's id (call-canceled) but rejects no more. */
  private record Entry(Call call, long expiresAtMillis, boolean used) {
    Entry asUsed() {
      return new Entry(call, expiresAtMillis, true);
    }
  }

  private record Registration(RejectListener listener, Context context) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> byToken = new ConcurrentHashMap<>();
  private final Map<Call, String> byCall = new ConcurrentHashMap<>();
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  private final Duration lifetime;
  private final Clock clock;

  /** @param lifetime how long a token stays valid after it was issued */
  public RejectRegistry(Duration lifetime) {
    this(lifetime, Clock.systemUTC());
  }

  RejectRegistry(Duration lifetime, Clock clock) {
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("token lifetime must be positive");
    }
    this.lifetime = lifetime;
    this.clock = clock;
  }

  /**
   * The token for this call to this callee: the same one for every push of the call (call-incoming and
   * call-canceled carry the same id), a new random one for a new call.
   */
  public String tokenFor(String callId, String callee) {
    Call call = new Call(Objects.requireNonNull(callId, "callId"), Objects.requireNonNull(callee, "callee"));
    long now = clock.millis();
    if (byToken.size() >= MAX_TOKENS) {
      purgeExpired();
    }
    return byCall.compute(call, (key, existing) -> {
      if (existing != null) {
        Entry entry = byToken.get(existing);
        if (entry != null && entry.expiresAtMillis() > now) {
          return existing;
        }
        byToken.remove(existing);
      }
      String token = newToken();
      byToken.put(token, new Entry(call, now + lifetime.toMillis(), false));
      return token;
    });
  }

  /**
   * Registers a listener for rejections. It runs on the Vert.x context current at registration (the proxy's event
   * loop) when there is one, else on the caller's thread; it must not block.
   */
  public void onReject(RejectListener listener) {
    listeners.add(new Registration(Objects.requireNonNull(listener, "listener"), Vertx.currentContext()));
  }

  /**
   * Rejects the call behind {@code token}. With {@code callee} non-null (the authenticated API), the token must
   * belong to a call to that number. A token works once.
   */
  public Outcome reject(String token, String callee) {
    if (token == null) {
      return Outcome.NOT_FOUND;
    }
    Entry entry = byToken.get(token);
    if (entry == null || entry.used() || entry.expiresAtMillis() <= clock.millis()) {
      return Outcome.NOT_FOUND;
    }
    if (callee != null && !callee.equals(entry.call().callee())) {
      return Outcome.NOT_FOUND;
    }
    if (!byToken.replace(token, entry, entry.asUsed())) {
      return Outcome.NOT_FOUND; // a concurrent request used it
    }
    // The mapping stays until forget(): the call-canceled push that follows carries the same id.
    Call call = entry.call();
    log.info("call {} to {} rejected from a push notification", call.callId(), call.callee());
    for (Registration registration : listeners) {
      Runnable notify = () -> {
        try {
          registration.listener().onReject(call.callId(), call.callee());
        } catch (RuntimeException e) {
          log.warn("reject listener failed for call {}", call.callId(), e);
        }
      };
      if (registration.context() != null) {
        registration.context().runOnContext(v -> notify.run());
      } else {
        notify.run();
      }
    }
    return Outcome.REJECTED;
  }

  /** Drops the token of a call that ended (answered, cancelled, failed). */
  public void forget(String callId, String callee) {
    String token = byCall.remove(new Call(callId, callee));
    if (token != null) {
      byToken.remove(token);
    }
  }

  /** Drops expired tokens (also run periodically by the push component). */
  public void purgeExpired() {
    long now = clock.millis();
    for (Iterator<Map.Entry<String, Entry>> it = byToken.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> next = it.next();
      if (next.getValue().expiresAtMillis() <= now) {
        it.remove();
        byCall.remove(next.getValue().call(), next.getKey());
      }
    }
  }

  /** Live tokens (tests, metrics). */
  public int size() {
    return byToken.size();
  }

  private String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
