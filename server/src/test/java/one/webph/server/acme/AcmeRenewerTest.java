package one.webph.server.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** When a certificate is due: missing, not covering every name, expired, or inside the renewal margin. */
class AcmeRenewerTest {
  private static final Instant NOW = Instant.parse("2030-06-01T00:00:00Z");
  private static final Duration THIRTY_DAYS = Duration.ofDays(30);
  private static final List<String> NAMES = List.of("phone.example.org", "www.example.org");
  private static TestPki pki;
  private static KeyPair key;

  @BeforeAll
  static void ca() throws Exception {
    pki = new TestPki("renewal test CA");
    key = TestPki.newKey();
  }

  private static X509Certificate certificate(List<String> names, Duration age, Duration left) throws Exception {
    return pki.issue(key, names, NOW.minus(age), NOW.plus(left));
  }

  @Test
  void aFreshCertificateForEveryNameIsKept() throws Exception {
    X509Certificate fresh = certificate(NAMES, Duration.ofDays(10), Duration.ofDays(80));
    assertThat(AcmeRenewer.renewalReason(Optional.of(fresh), NAMES, THIRTY_DAYS, NOW)).isEmpty();
    // next check: daily, since renewal is 50 days away
    assertThat(AcmeRenewer.nextCheckDelay(fresh, THIRTY_DAYS, NOW)).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void missingExpiredOrIncompleteCertificatesAreReplaced() throws Exception {
    assertThat(AcmeRenewer.renewalReason(Optional.empty(), NAMES, THIRTY_DAYS, NOW))
        .hasValue("no ACME certificate yet");
    X509Certificate partial = certificate(List.of("phone.example.org"), Duration.ofDays(1), Duration.ofDays(89));
    assertThat(AcmeRenewer.renewalReason(Optional.of(partial), NAMES, THIRTY_DAYS, NOW))
        .hasValueSatisfying(reason -> assertThat(reason).contains("does not cover [www.example.org]"));
    X509Certificate expired = certificate(NAMES, Duration.ofDays(91), Duration.ofDays(-1));
    assertThat(AcmeRenewer.renewalReason(Optional.of(expired), NAMES, THIRTY_DAYS, NOW))
        .hasValueSatisfying(reason -> assertThat(reason).contains("expired"));
  }

  @Test
  void renewsWhenLessThanThirtyDaysRemain() throws Exception {
    X509Certificate due = certificate(NAMES, Duration.ofDays(61), Duration.ofDays(29));
    assertThat(AcmeRenewer.renewalReason(Optional.of(due), NAMES, THIRTY_DAYS, NOW))
        .hasValueSatisfying(reason -> assertThat(reason).contains("in 29 days"));
    X509Certificate notYet = certificate(NAMES, Duration.ofDays(59), Duration.ofDays(31));
    assertThat(AcmeRenewer.renewalReason(Optional.of(notYet), NAMES, THIRTY_DAYS, NOW)).isEmpty();
    // the check runs again exactly when the margin is reached if that is sooner than a day
    X509Certificate almost = certificate(NAMES, Duration.ofDays(60), Duration.ofDays(30).plusHours(5));
    assertThat(AcmeRenewer.nextCheckDelay(almost, THIRTY_DAYS, NOW)).isEqualTo(Duration.ofHours(5));
  }

  @Test
  void shortLivedCertificatesRenewAfterTwoThirdsOfTheirLifetime() throws Exception {
    // a 6-day certificate: renew with 2 days left, not on every daily check
    X509Certificate sixDays = certificate(NAMES, Duration.ofDays(3), Duration.ofDays(3));
    assertThat(AcmeRenewer.renewalTime(sixDays, THIRTY_DAYS)).isEqualTo(NOW.plus(Duration.ofDays(1)));
    assertThat(AcmeRenewer.renewalReason(Optional.of(sixDays), NAMES, THIRTY_DAYS, NOW)).isEmpty();
    assertThat(AcmeRenewer.renewalReason(Optional.of(sixDays), NAMES, THIRTY_DAYS, NOW.plus(Duration.ofDays(1))))
        .isPresent();
  }

  @Test
  void dnsNamesIgnoreIpAddresses() throws Exception {
    X509Certificate mixed = certificate(List.of("Phone.example.org", "127.0.0.1"), Duration.ofDays(1),
        Duration.ofDays(1));
    assertThat(AcmeRenewer.dnsNames(mixed)).containsExactly("phone.example.org");
  }
}
