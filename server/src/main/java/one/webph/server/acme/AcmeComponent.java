package one.webph.server.acme;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.tls.TlsCertificates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Let's Encrypt (any RFC 8555 CA) certificates when ACME_ENABLED=true: serves HTTP-01 tokens on the shared
 * router (plain HTTP does not redirect /.well-known/), puts a still-valid stored ACME certificate into service
 * at start, and runs the {@link AcmeRenewer} on its own thread. Off by default: then it does nothing.
 */
public final class AcmeComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(AcmeComponent.class);

  private AcmeRenewer renewer;

  @Override
  public String name() {
    return "acme";
  }

  @Override
  public void start(ServerContext context) throws Exception {
    Config config = context.config();
    if (!AcmeSettings.enabled(config)) {
      return;
    }
    if (config.tlsCert().isPresent()) {
      throw new ConfigException("ACME_ENABLED", "cannot be combined with TLS_CERT/TLS_KEY; unset one of them");
    }
    AcmeSettings settings;
    try {
      settings = AcmeSettings.from(config);
      AcmeConfigParsers.domains(String.join(",", settings.domains())); // DOMAIN must be a DNS name too
    } catch (IllegalArgumentException e) {
      throw new ConfigException("DOMAIN", "ACME needs DNS names: " + e.getMessage());
    }
    AcmeCertificateStore store = new AcmeCertificateStore(settings.storeDir());
    try {
      store.accountKey(); // create or read it now: an unreadable key is an operator problem, not a retry
    } catch (IOException e) {
      throw new ConfigException("DATA_DIR", e.getMessage());
    }
    TlsCertificates tls = context.tlsCertificates();
    useStoredCertificate(store, tls);

    Http01Responder responder = new Http01Responder();
    responder.mount(context.webServer().router());
    AcmeClient client;
    try {
      client = new AcmeClient(settings, store, responder, loopbackFor(config.bindAddress()),
          () -> context.webServer().httpPort());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("ACME_CA_CERTS", e.getMessage());
    }
    renewer = new AcmeRenewer(settings, store, client, tls, context.meterRegistry(), Clock.systemUTC());
    renewer.start();
    log.info("ACME enabled: {} for {}{}", settings.directory(), settings.domains(),
        settings.email().map(email -> " (contact " + email + ")").orElse(""));
  }

  /** A stored, unexpired ACME certificate serves from the first connection (renewal, if due, follows). */
  private static void useStoredCertificate(AcmeCertificateStore store, TlsCertificates tls) {
    Optional<AcmeCertificateStore.StoredCertificate> stored;
    try {
      stored = store.loadCertificate();
    } catch (IOException | IllegalArgumentException e) {
      log.warn("ignoring the stored ACME certificate in {}: {}", store.dir(), e.getMessage());
      return;
    }
    if (stored.isEmpty()) {
      return;
    }
    if (stored.get().leaf().getNotAfter().toInstant().isBefore(Instant.now())) {
      log.warn("the stored ACME certificate {} has expired; keeping {} until a new one is issued",
          store.certificateFile(), tls.origin());
      return;
    }
    tls.update(stored.get().chainPem(), stored.get().keyPem(), "ACME " + store.certificateFile());
  }

  /** Where this machine reaches its own HTTP listener. */
  static String loopbackFor(String bindAddress) {
    return switch (bindAddress) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "0:0:0:0:0:0:0:0" -> "::1";
      default -> bindAddress;
    };
  }

  @Override
  public void stop() {
    if (renewer != null) {
      renewer.close();
      renewer = null;
    }
  }
}
