package one.webph.server.acme;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import one.webph.server.tls.TlsCertificates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the ACME certificate current: checks the stored certificate at start and then daily, obtains a new one
 * when it is missing, does not cover every configured name or has less than the renewal margin left, stores it
 * and swaps it into {@link TlsCertificates} (whose listeners update the live HTTPS, WSS and SIP-TLS servers).
 * Failures are logged with the CA's problem detail and retried with doubling delays while the current certificate
 * keeps serving. All work runs on one dedicated thread, never on a Vert.x event loop.
 */
public final class AcmeRenewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AcmeRenewer.class);

  private final AcmeSettings settings;
  private final AcmeCertificateStore store;
  private final AcmeClient client;
  private final TlsCertificates tls;
  private final Clock clock;
  private final Counter failureCounter;
  private final Counter issuedCounter;
  private final ScheduledExecutorService executor;
  /** Consecutive failed attempts; only touched on the ACME thread. */
  private int failures;

  public AcmeRenewer(AcmeSettings settings, AcmeCertificateStore store, AcmeClient client, TlsCertificates tls,
      MeterRegistry registry, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.client = client;
    this.tls = tls;
    this.clock = clock;
    this.failureCounter = Counter.builder("webphone.acme.failures")
        .description("Failed ACME certificate attempts").register(registry);
    this.issuedCounter = Counter.builder("webphone.acme.certificates.issued")
        .description("Certificates obtained from the ACME CA").register(registry);
    this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "acme");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Schedules the first check now (it waits for the HTTP listener itself if it must issue). */
  public void start() {
    executor.execute(this::check);
  }

  /** One check: renew if needed, then schedule the next check or retry. */
  private void check() {
    Instant now = clock.instant();
    Optional<AcmeCertificateStore.StoredCertificate> storedPair;
    try {
      storedPair = store.loadCertificate();
    } catch (IOException | IllegalArgumentException e) {
      log.warn("ACME certificate in {} is unusable ({}); obtaining a new one", store.dir(), e.getMessage());
      storedPair = Optional.empty();
    }
    Optional<X509Certificate> stored = storedPair.map(AcmeCertificateStore.StoredCertificate::leaf);
    Optional<String> reason = renewalReason(stored, settings.domains(), settings.renewBefore(), now);
    if (reason.isEmpty()) {
      failures = 0;
      AcmeCertificateStore.StoredCertificate current = storedPair.orElseThrow();
      if (!current.leaf().equals(tls.certificate())) {
        // e.g. the previous attempt stored it but could not apply it
        tls.update(current.chainPem(), current.keyPem(), "ACME " + store.certificateFile());
      }
      schedule(nextCheckDelay(current.leaf(), settings.renewBefore(), now));
      return;
    }
    log.info("requesting a certificate for {} from {}: {}", settings.domains(), settings.directory(), reason.get());
    try {
      AcmeClient.Issued issued = client.issue();
      TlsCertificates.of(issued.chainPem(), issued.privateKeyPem()); // validates before anything is replaced
      store.saveCertificate(issued.chainPem(), issued.privateKeyPem());
      tls.update(issued.chainPem(), issued.privateKeyPem(), "ACME " + store.certificateFile());
      issuedCounter.increment();
      failures = 0;
      schedule(nextCheckDelay(tls.certificate(), settings.renewBefore(), clock.instant()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopping
    } catch (AcmeFailure | IOException | RuntimeException | Error e) {
      // Whatever happens, the renewer must not die silently: log, keep the current certificate, retry.
      failures++;
      failureCounter.increment();
      Duration delay = settings.retryDelay(failures);
      Optional<Instant> notBefore = e instanceof AcmeFailure failure ? failure.retryNotBefore() : Optional.empty();
      if (notBefore.isPresent()) {
        Duration asked = Duration.between(clock.instant(), notBefore.get());
        if (asked.compareTo(delay) > 0) {
          delay = asked;
        }
      }
      X509Certificate serving = tls.certificate();
      log.warn("ACME certificate request for {} failed (attempt {}): {}; retrying in {}; still serving {} "
              + "(expires {})", settings.domains(), failures, message(e), human(delay),
          serving.getSubjectX500Principal().getName(), serving.getNotAfter().toInstant());
      if (!(e instanceof AcmeFailure) && !(e instanceof IOException)) {
        log.warn("unexpected ACME failure", e);
      }
      schedule(delay);
    }
  }

  private void schedule(Duration delay) {
    if (!executor.isShutdown()) {
      executor.schedule(this::check, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }
  }

  /** Stops the ACME thread, interrupting a running attempt (acme4j's polling and HTTP calls are interruptible). */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("the ACME thread did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Why a new certificate is needed, or empty when the stored one is fine. */
  static Optional<String> renewalReason(Optional<X509Certificate> stored, List<String> domains,
      Duration renewBefore, Instant now) {
    if (stored.isEmpty()) {
      return Optional.of("no ACME certificate yet");
    }
    X509Certificate certificate = stored.get();
    Set<String> missing = new HashSet<>(domains);
    missing.removeAll(dnsNames(certificate));
    if (!missing.isEmpty()) {
      return Optional.of("the stored certificate does not cover " + missing.stream().sorted().toList());
    }
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (!now.isBefore(notAfter)) {
      return Optional.of("the stored certificate expired at " + notAfter);
    }
    if (!now.isBefore(renewalTime(certificate, renewBefore))) {
      return Optional.of("the stored certificate expires at " + notAfter + ", in "
          + human(Duration.between(now, notAfter)));
    }
    return Optional.empty();
  }

  /**
   * When to renew: {@code renewBefore} ahead of expiry, but never earlier than two thirds into the lifetime, so
   * a short-lived certificate (a few days) is not renewed on every check.
   */
  static Instant renewalTime(X509Certificate certificate, Duration renewBefore) {
    Instant notBefore = certificate.getNotBefore().toInstant();
    Instant notAfter = certificate.getNotAfter().toInstant();
    Duration third = Duration.between(notBefore, notAfter).dividedBy(3);
    Duration margin = renewBefore.compareTo(third) < 0 ? renewBefore : third;
    return notAfter.minus(margin);
  }

  /** The next daily check, or earlier when the renewal time comes first. */
  static Duration nextCheckDelay(X509Certificate certificate, Duration renewBefore, Instant now) {
    Duration untilRenewal = Duration.between(now, renewalTime(certificate, renewBefore));
    if (untilRenewal.isNegative()) {
      return Duration.ZERO;
    }
    return untilRenewal.compareTo(AcmeSettings.CHECK_INTERVAL) < 0 ? untilRenewal : AcmeSettings.CHECK_INTERVAL;
  }

  /** The certificate's DNS subject alternative names, lower-cased. */
  static Set<String> dnsNames(X509Certificate certificate) {
    Set<String> names = new HashSet<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> entry : alternatives) {
          if (Integer.valueOf(2).equals(entry.get(0))) { // 2 = dNSName (RFC 5280 GeneralName)
            names.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no usable names: the caller treats the certificate as not covering anything
    }
    return names;
  }

  private static String message(Throwable e) {
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  static String human(Duration duration) {
    long seconds = Math.max(0, duration.getSeconds());
    if (seconds >= 2 * 86400) {
      return (seconds / 86400) + " days";
    }
    if (seconds >= 2 * 3600) {
      return (seconds / 3600) + " h";
    }
    if (seconds >= 120) {
      return (seconds / 60) + " min";
    }
    return seconds + " s";
  }
}
