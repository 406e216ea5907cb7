package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Signed expiring nonces and the nonce-count replay table, on a fake clock. */
class NonceServiceTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final NonceService nonces = new NonceService(new byte[32], "example.org", Duration.ofSeconds(300),
      now::get);

  @Test
  void aNonceIsValidThenStaleAndATamperedOneInvalid() {
    String nonce = nonces.create();
    assertThat(nonces.check(nonce)).isEqualTo(NonceService.Status.VALID);
    // a character in the middle (the random part): the last one may only carry base64 padding bits
    char c = nonce.charAt(15);
    String tampered = nonce.substring(0, 15) + (c == 'A' ? 'B' : 'A') + nonce.substring(16);
    assertThat(nonces.check(tampered)).isEqualTo(NonceService.Status.INVALID);
    now.addAndGet(301_000);
    assertThat(nonces.check(nonce)).isEqualTo(NonceService.Status.STALE);
  }

  @Test
  void aNonceCountIsAcceptedOnlyWhenItGrows() {
    String nonce = nonces.create();
    assertThat(nonces.acceptCount(nonce, 1)).isTrue();
    assertThat(nonces.acceptCount(nonce, 1)).as("replay").isFalse();
    assertThat(nonces.acceptCount(nonce, 2)).isTrue();
    assertThat(nonces.acceptCount(nonce, 0)).as("lower count").isFalse();
  }

  @Test
  void expiredNoncesLeaveTheReplayTableWhileLiveOnesStay() {
    for (int i = 0; i < 1500; i++) {
      assertThat(nonces.acceptCount(nonces.create(), 1)).isTrue();
    }
    now.addAndGet(200_000);
    String recent = nonces.create();
    assertThat(nonces.acceptCount(recent, 1)).isTrue();
    assertThat(nonces.trackedNonces()).as("nothing expired yet").isEqualTo(1501);

    now.addAndGet(150_000); // the first 1500 are 350 s old, the recent one 150 s
    String another = nonces.create();
    assertThat(nonces.acceptCount(another, 1)).isTrue();
    assertThat(nonces.trackedNonces()).as("expired ones purged, live ones kept").isEqualTo(2);
    assertThat(nonces.acceptCount(recent, 1)).as("a live nonce's count is still remembered").isFalse();
  }
}
