package one.webph.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RejectRegistryTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private final Clock clock = new Clock() {
    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  };
  private final RejectRegistry registry = new RejectRegistry(Duration.ofSeconds(60), clock);
  private final List<String> rejected = new CopyOnWriteArrayList<>();

  RejectRegistryTest() {
    registry.onReject((callId, callee) -> rejected.add(callId + " -> " + callee));
  }

  @Test
  void oneRandomTokenPerCallAndCallee() {
    String token = registry.tokenFor("call-1", "99910011111");
    assertThat(registry.tokenFor("call-1", "99910011111")).isEqualTo(token);
    assertThat(registry.tokenFor("call-1", "99910022222")).isNotEqualTo(token);
    assertThat(registry.tokenFor("call-2", "99910011111")).isNotEqualTo(token);
    assertThat(token).matches("[A-Za-z0-9_-]{22}");
  }

  @Test
  void onlyTheCalleeMayRejectAndOnlyOnce() {
    String token = registry.tokenFor("call-1", "99910011111");

    assertThat(registry.reject(token, "99910022222")).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(rejected).isEmpty();
    assertThat(registry.reject(token, "99910011111")).isEqualTo(RejectRegistry.Outcome.REJECTED);
    assertThat(rejected).containsExactly("call-1 -> 99910011111");
    assertThat(registry.reject(token, "99910011111")).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(registry.reject(token, null)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(rejected).hasSize(1);
    // the call-canceled push after a reject still names the call by the same id
    assertThat(registry.tokenFor("call-1", "99910011111")).isEqualTo(token);
    registry.forget("call-1", "99910011111");
    assertThat(registry.tokenFor("call-1", "99910011111")).isNotEqualTo(token);
  }

  @Test
  void theTokenAloneWorksForTheCompatibilityEndpoint() {
    String token = registry.tokenFor("call-9", "99910011111");
    assertThat(registry.reject("unknown-token", null)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(registry.reject(token, null)).isEqualTo(RejectRegistry.Outcome.REJECTED);
    assertThat(rejected).containsExactly("call-9 -> 99910011111");
  }

  @Test
  void tokensExpireAndAreForgotten() {
    String token = registry.tokenFor("call-1", "99910011111");
    String forgotten = registry.tokenFor("call-2", "99910011111");
    registry.forget("call-2", "99910011111");
    assertThat(registry.reject(forgotten, null)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);

    now.addAndGet(Duration.ofSeconds(61).toMillis());
    assertThat(registry.reject(token, "99910011111")).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(registry.tokenFor("call-1", "99910011111")).as("a new token after expiry").isNotEqualTo(token);
    registry.purgeExpired();
    assertThat(registry.size()).isEqualTo(1);
    assertThat(rejected).isEmpty();
  }
}
