package one.webph.server.sip;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless expiring digest nonces: {@code base64url(issued-at millis | nonce id | HMAC-SHA256 tag)}, the tag
 * computed with the server secret over the first two parts and the realm, so any server instance sharing the
 * secret can verify a nonce without storing it. The id is a counter: a nonce needs to be unique and unforgeable
 * (the tag), not unpredictable, and a counter costs no random bytes per challenge.
 *
 * <p>Replay protection (RFC 7616 3.4.5, highest nonce-count accepted per nonce) lives in a fixed table indexed
 * by the nonce id, as Kamailio's auth module does with its nonce-count array: slot {@code id mod SLOTS} holds the
 * id that last used it and that nonce's highest count. Memory is constant ({@link #SLOTS} longs) instead of a
 * map entry per nonce used within its lifetime (~200 bytes each, 160,000 of them at 3200 REGISTER/s), and
 * nothing needs purging. A nonce whose slot a newer nonce has taken (more than {@link #SLOTS} challenges later)
 * can no longer be checked for replays: it is refused like a replay, and the client gets a fresh challenge with
 * stale=true, one more round trip, never a password prompt.
 */
public final class NonceService {
  private static final int TAG_BYTES = 16;
  private static final int NONCE_BYTES = 8 + 8 + TAG_BYTES;
  /** Slots of the nonce-count table: 2^19 longs, 4 MiB; a slot is reused after that many challenges. */
  static final int SLOTS = 1 << 19;
  private static final int SLOT_BITS = 19;

  /** Outcome of checking a nonce's signature and age. */
  public enum Status { VALID, STALE, INVALID }

  private final byte[] secret;
  private final byte[] realmBytes;
  private final Duration lifetime;
  private final LongSupplier clockMillis;
  /**
   * Next nonce id. Starts at a random point (ids of an earlier run do not line up with this run's slots) above
   * SLOTS (so no live slot looks like the empty value 0) and far below 2^51 (so {@code id >>> SLOT_BITS} fits the
   * 32 bits it is stored in, for centuries of challenges).
   */
  private final AtomicLong nextId;
  /**
   * Per slot: {@code (id >>> SLOT_BITS) << 32 | highest nonce-count} (unsigned 32 bits, as nc is 8 hex digits);
   * 0 = never used. Guarded by this.
   */
  private final long[] slots = new long[SLOTS];
  /** One initialised HMAC per thread: Mac.getInstance + init per nonce was a visible share of REGISTER's CPU. */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  public NonceService(byte[] secret, String realm, Duration lifetime, LongSupplier clockMillis) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("nonce secret must have at least 16 bytes");
    }
    this.secret = secret.clone();
    this.realmBytes = realm.getBytes(StandardCharsets.UTF_8);
    this.lifetime = lifetime;
    this.clockMillis = clockMillis;
    this.nextId = new AtomicLong(SLOTS * 2L + (new SecureRandom().nextLong() >>> 24));
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** A new nonce issued now. */
  public String create() {
    byte[] b = new byte[NONCE_BYTES];
    ByteBuffer buffer = ByteBuffer.wrap(b);
    buffer.putLong(clockMillis.getAsLong());
    buffer.putLong(nextId.getAndIncrement());
    tag(b, b, 16);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Checks the signature, then the age. */
  public Status check(String nonce) {
    byte[] raw = decode(nonce);
    if (raw == null) {
      return Status.INVALID;
    }
    byte[] expected = new byte[NONCE_BYTES];
    tag(raw, expected, 16);
    int difference = 0; // constant time, as MessageDigest.isEqual
    for (int i = 16; i < NONCE_BYTES; i++) {
      difference |= expected[i] ^ raw[i];
    }
    if (difference != 0) {
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
   * Records a nonce-count for a nonce that just authenticated a request (its signature checked). False when the
   * count is not above every count already accepted with that nonce (a replay), or when the nonce's slot has been
   * taken by a much newer nonce (it can no longer be told apart from a replay). Without qop the count is 0: such
   * a nonce is single use.
   */
  public boolean acceptCount(String nonce, long nonceCount) {
    byte[] raw = decode(nonce);
    if (raw == null || nonceCount < 0 || nonceCount > 0xFFFF_FFFFL) {
      return false;
    }
    long id = ByteBuffer.wrap(raw).getLong(8);
    int slot = (int) (id & (SLOTS - 1));
    long owner = id >>> SLOT_BITS;
    synchronized (this) {
      long entry = slots[slot];
      long entryOwner = entry >>> 32;
      if (entry == 0 || entryOwner < owner) {
        slots[slot] = owner << 32 | nonceCount; // first use of this nonce (the slot held an older one, or none)
        return true;
      }
      if (entryOwner == owner && nonceCount > (entry & 0xFFFF_FFFFL)) {
        slots[slot] = owner << 32 | nonceCount;
        return true;
      }
      return false;
    }
  }

  /** Slots in use (diagnostics, tests). */
  synchronized int trackedNonces() {
    int n = 0;
    for (long s : slots) {
      if (s != 0) {
        n++;
      }
    }
    return n;
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

  /** Writes the tag of {@code data[0, length)} and the realm into {@code out[length, length + TAG_BYTES)}. */
  private void tag(byte[] data, byte[] out, int length) {
    Mac mac = macs.get();
    mac.update(data, 0, length);
    mac.update(realmBytes);
    byte[] full = mac.doFinal(); // also resets the Mac for the next nonce
    System.arraycopy(full, 0, out, length, TAG_BYTES);
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
