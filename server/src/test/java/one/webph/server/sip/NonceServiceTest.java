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
  void aNonceWhoseSlotANewerNonceTookIsRefusedAndTheTableNeverGrows() {
    String old = nonces.create();
    assertThat(nonces.acceptCount(old, 1)).isTrue();
    String younger = nonces.create();
    assertThat(nonces.acceptCount(younger, 1)).isTrue();
    // SLOTS challenges later the next nonce lands in the old one's slot
    for (int i = 2; i < NonceService.SLOTS; i++) {
      nonces.create();
    }
    String successor = nonces.create();
    assertThat(nonces.check(successor)).isEqualTo(NonceService.Status.VALID);
    assertThat(nonces.acceptCount(successor, 1)).isTrue();
    assertThat(nonces.acceptCount(old, 2)).as("its count is gone: refused (the client gets a fresh challenge)")
        .isFalse();
    assertThat(nonces.acceptCount(younger, 2)).as("a nonce whose slot is still its own keeps counting").isTrue();
    assertThat(nonces.acceptCount(younger, 2)).as("replay").isFalse();
    assertThat(nonces.trackedNonces()).isEqualTo(2);
  }

  @Test
  void nonceIdsAreUniqueAndAWithoutQopNonceIsSingleUse() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(nonces.create())).isTrue();
    }
    String nonce = nonces.create();
    assertThat(nonces.acceptCount(nonce, 0)).isTrue();
    assertThat(nonces.acceptCount(nonce, 0)).as("no qop: the nonce is used up").isFalse();
    assertThat(nonces.acceptCount("not-a-nonce", 1)).isFalse();
  }

  @Test
  void anotherSecretsNonceIsInvalid() {
    NonceService other = new NonceService(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
        "example.org", Duration.ofSeconds(300), now::get);
    assertThat(nonces.check(other.create())).isEqualTo(NonceService.Status.INVALID);
  }
}
