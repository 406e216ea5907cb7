package one.webph.server.sip;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless expiring digest nonces: {@code base64url(issued-at millis | 8 random bytes | HMAC-SHA256 tag)}, the
 * tag computed with the server secret over the first two parts and the realm. Any server instance sharing the
 * secret can verify a nonce without storing it. Replay protection keeps, per nonce that authenticated a
 * request, the highest nonce-count seen (RFC 7616 3.4.5); entries disappear when their nonce expires.
 */
public final class NonceService {
  private static final int RANDOM_BYTES = 8;
  private static final int TAG_BYTES = 16;
  private static final int NONCE_BYTES = 8 + RANDOM_BYTES + TAG_BYTES;

  /** Outcome of checking a nonce's signature and age. */
  public enum Status { VALID, STALE, INVALID }

  private final byte[] secret;
  private final byte[] realmBytes;
  private final Duration lifetime;
  private final LongSupplier clockMillis;
  private final SecureRandom random = new SecureRandom();
  /** nonce -> highest nonce-count accepted; bounded because only authenticated requests add entries. */
  private final Map<String, Long> highestCount = new ConcurrentHashMap<>();
  /**
   * The tracked nonces in the order they were first accepted, with their issue times: purging pops expired ones
   * from the head instead of scanning the whole table (a scan of 100,000 entries a second was a tenth of the
   * SIP loop's time at 1600 REGISTER/s). A nonce is accepted after it is issued, so the order is nearly by issue
   * time; one issued earlier but first used later just waits behind the head, for at most one lifetime.
   */
  private final Queue<Tracked> byFirstUse = new ConcurrentLinkedQueue<>();
  /** One initialised HMAC per thread: Mac.getInstance + init per nonce was a visible share of REGISTER's CPU. */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  /** A tracked nonce and when it was issued. */
  private record Tracked(String nonce, long issuedMillis) { }
  private static final long PURGE_INTERVAL_MILLIS = 1000;
  private volatile long lastPurgeMillis;

  public NonceService(byte[] secret, String realm, Duration lifetime, LongSupplier clockMillis) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("nonce secret must have at least 16 bytes");
    }
    this.secret = secret.clone();
    this.realmBytes = realm.getBytes(StandardCharsets.UTF_8);
    this.lifetime = lifetime;
    this.clockMillis = clockMillis;
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** A new nonce issued now. */
  public String create() {
    ByteBuffer b = ByteBuffer.allocate(NONCE_BYTES);
    b.putLong(clockMillis.getAsLong());
    byte[] r = new byte[RANDOM_BYTES];
    random.nextBytes(r);
    b.put(r);
    b.put(tag(b.array(), 8 + RANDOM_BYTES));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** Checks the signature, then the age. */
  public Status check(String nonce) {
    byte[] raw = decode(nonce);
    if (raw == null) {
      return Status.INVALID;
    }
    byte[] expected = tag(raw, 8 + RANDOM_BYTES);
    byte[] actual = new byte[TAG_BYTES];
    System.arraycopy(raw, 8 + RANDOM_BYTES, actual, 0, TAG_BYTES);
    if (!MessageDigest.isEqual(expected, actual)) {
      return Status.INVALID;
    }
    long issued = ByteBuffer.wrap(raw).getLong();
    long age = clockMillis.getAsLong() - issued;
    if (age < -5_000) {
      return Status.INVALID; // from the future: not ours (or a clock jump); a new challenge fixes it
    }
    return age > lifetime.toMillis() ? Status.STALE : Status.VALID;
  }

  /**
   * Records a nonce-count for a nonce that just authenticated a request. False when the count is not above
   * every count already accepted with that nonce (a replay). Without qop the count is 0: such a nonce is
   * single use.
   */
  public boolean acceptCount(String nonce, long nonceCount) {
    purgeExpired();
    boolean[] fresh = new boolean[1];
    boolean[] first = new boolean[1];
    highestCount.compute(nonce, (k, previous) -> {
      if (previous == null || nonceCount > previous) {
        fresh[0] = true;
        first[0] = previous == null;
        return nonceCount;
      }
      return previous;
    });
    if (first[0]) {
      byFirstUse.add(new Tracked(nonce, issuedAt(nonce)));
    }
    return fresh[0];
  }

  /** Entries kept for replay detection (diagnostics, tests). */
  int trackedNonces() {
    return highestCount.size();
  }

  private void purgeExpired() {
    if (highestCount.size() < 1024) {
      return; // cheap path: purge only when the map has grown
    }
    long now = clockMillis.getAsLong();
    long last = lastPurgeMillis;
    if (now - last < PURGE_INTERVAL_MILLIS) {
      return; // a full scan per authenticated request made auth quadratic under load (bench/sip): once a second
    }
    lastPurgeMillis = now;
    long lifetimeMillis = lifetime.toMillis();
    for (Tracked head = byFirstUse.peek(); head != null && now - head.issuedMillis() > lifetimeMillis;
        head = byFirstUse.peek()) {
      byFirstUse.poll();
      highestCount.remove(head.nonce());
    }
  }

  /** Issue time of a nonce that passed {@link #check} (an undecodable one counts as issued long ago). */
  private static long issuedAt(String nonce) {
    byte[] raw = decode(nonce);
    return raw == null ? Long.MIN_VALUE / 2 : ByteBuffer.wrap(raw).getLong();
  }

  private static byte[] decode(String nonce) {
    if (nonce == null || nonce.length() > 64) {
      return null;
    }
    try {
      byte[] raw = Base64.getUrlDecoder().decode(nonce);
      return raw.length == NONCE_BYTES ? raw : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private byte[] tag(byte[] data, int length) {
    Mac mac = macs.get();
    mac.update(data, 0, length);
    mac.update(realmBytes);
    byte[] full = mac.doFinal(); // also resets the Mac for the next nonce
    byte[] out = new byte[TAG_BYTES];
    System.arraycopy(full, 0, out, 0, TAG_BYTES);
    return out;
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java runtime", e);
    }
  }
}
