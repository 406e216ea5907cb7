package one.webph.server.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Pike-like flood protection with a fake clock: ban, ban expiry, exemptions, scanners. */
class FloodGuardTest {
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final AtomicInteger bans = new AtomicInteger();

  private FloodGuard guard(boolean exemptLoopback, List<Cidr> trusted) {
    SipSettings s = new SipSettings("example.org", 60, 3600, 600, Duration.ofSeconds(120), Duration.ofSeconds(300),
        16, Duration.ofSeconds(2), Duration.ofSeconds(300), exemptLoopback, trusted,
        List.of("friendly-scanner", "sipvicious"), List.of(DigestAlgorithm.SHA_256));
    return new FloodGuard(s, clock::get, bans::incrementAndGet);
  }

  @Test
  void moreThanTheLimitInAWindowBansTheSourceForTheBanTime() {
    FloodGuard g = guard(true, List.of());
    for (int i = 0; i < 16; i++) {
      assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.ACCEPT);
    }
    assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.DROP_FLOOD);
    assertThat(g.check("192.0.2.2", null)).as("other sources unaffected").isEqualTo(FloodGuard.Verdict.ACCEPT);
    assertThat(bans.get()).isEqualTo(1);
    clock.addAndGet(299_000);
    assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.DROP_FLOOD);
    assertThat(bans.get()).as("logged and counted once per ban").isEqualTo(1);
    clock.addAndGet(1_001);
    assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.ACCEPT);
    assertThat(g.bannedCount()).isZero();
  }

  @Test
  void theWindowRestarts() {
    FloodGuard g = guard(true, List.of());
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 16; i++) {
        assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.ACCEPT);
      }
      clock.addAndGet(2_000);
    }
    assertThat(bans.get()).isZero();
  }

  @Test
  void loopbackExemptionIsConfigurable() {
    FloodGuard exempt = guard(true, List.of());
    FloodGuard strict = guard(false, List.of());
    for (int i = 0; i < 100; i++) {
      assertThat(exempt.check("127.0.0.2", null)).isEqualTo(FloodGuard.Verdict.ACCEPT);
      exempt.check("::1", null);
      strict.check("127.0.0.2", null);
    }
    assertThat(exempt.isBanned("::1")).isFalse();
    assertThat(strict.isBanned("127.0.0.2")).isTrue();
    assertThat(strict.isBanned("127.0.0.3")).isFalse();
  }

  @Test
  void trustedPeersAreExempt() {
    FloodGuard g = guard(false, List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")));
    for (int i = 0; i < 100; i++) {
      g.check("10.1.2.3", null);
      g.check("2001:db8::5", null);
    }
    assertThat(g.isBanned("10.1.2.3")).isFalse();
    assertThat(g.isBanned("2001:db8::5")).isFalse();
  }

  @Test
  void scannersAreDroppedCaseInsensitively() {
    FloodGuard g = guard(true, List.of());
    assertThat(g.check("192.0.2.9", "Friendly-Scanner 1.0")).isEqualTo(FloodGuard.Verdict.DROP_SCANNER);
    assertThat(g.check("127.0.0.1", "sipvicious")).as("even from exempt sources")
        .isEqualTo(FloodGuard.Verdict.DROP_SCANNER);
    assertThat(g.check("192.0.2.9", "JsSIP 3.10")).isEqualTo(FloodGuard.Verdict.ACCEPT);
  }

  @Test
  void sweepForgetsQuietSources() {
    FloodGuard g = guard(true, List.of());
    g.check("192.0.2.1", null);
    clock.addAndGet(3_000);
    g.sweep();
    for (int i = 0; i < 16; i++) {
      assertThat(g.check("192.0.2.1", null)).isEqualTo(FloodGuard.Verdict.ACCEPT);
    }
  }

  @Test
  void cidrParsingAndMatching() {
    assertThat(Cidr.parse("192.168.1.77/24").toString()).isEqualTo("192.168.1.0/24");
    assertThat(Cidr.parse("192.168.1.0/24").contains("192.168.1.255")).isTrue();
    assertThat(Cidr.parse("192.168.1.0/24").contains("192.168.2.1")).isFalse();
    assertThat(Cidr.parse("192.0.2.7").contains("192.0.2.7")).isTrue();
    assertThat(Cidr.parse("::1").contains("[::1]")).isTrue();
    assertThat(Cidr.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
    assertThat(Cidr.parse("10.0.0.0/8").contains("::1")).isFalse();
    assertThat(Cidr.parse("10.0.0.0/8").contains("not-an-ip")).isFalse();
    assertThatThrownBy(() -> Cidr.parse("example.org")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
    assertThat(SipConfigParsers.cidrList(" 10.0.0.1 , 192.0.2.0/24")).containsExactly("10.0.0.1/32", "192.0.2.0/24");
    assertThat(SipConfigParsers.userAgentFragments("none")).isEmpty();
    assertThat(SipConfigParsers.digestAlgorithms("md5, sha-256")).containsExactly("MD5", "SHA-256");
    assertThatThrownBy(() -> SipConfigParsers.digestAlgorithms("MD5-sess"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
