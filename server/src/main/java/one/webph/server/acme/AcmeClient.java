package one.webph.server.acme;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Obtains one certificate for the configured names (RFC 8555 section 7): account (found or registered with the
 * stored account key), new order, an HTTP-01 challenge per pending authorization, finalization with a CSR for a
 * fresh EC P-256 key, download of the chain. Blocking: runs on the ACME thread only, never on an event loop.
 */
public final class AcmeClient {
  private static final Logger log = LoggerFactory.getLogger(AcmeClient.class);
  /** Per-request network timeout towards the CA. */
  private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(30);
  /** How long the CA may take to validate one challenge, and to issue after finalization. */
  private static final Duration VALIDATION_TIMEOUT = Duration.ofMinutes(2);
  /** How long to wait for our own HTTP listener (it opens after the components have started). */
  private static final Duration LISTENER_WAIT = Duration.ofSeconds(60);

  /** A certificate chain (leaf first) and its private key, as PEM. */
  public record Issued(String chainPem, String privateKeyPem) {}

  private final AcmeSettings settings;
  private final AcmeCertificateStore store;
  private final Http01Responder responder;
  private final SSLContext trust;
  private final String localHost;
  private final IntSupplier httpPort;

  /**
   * @param localHost the address our HTTP listener is reachable on from this machine (for the pre-flight check)
   * @param httpPort the bound HTTP port, 0 while not yet listening
   */
  public AcmeClient(AcmeSettings settings, AcmeCertificateStore store, Http01Responder responder, String localHost,
      IntSupplier httpPort) {
    this.settings = settings;
    this.store = store;
    this.responder = responder;
    this.trust = settings.caCertificates().map(AcmeClient::sslContextTrusting).orElse(null);
    this.localHost = localHost;
    this.httpPort = httpPort;
  }

  /** Runs a complete issuance. */
  public Issued issue() throws AcmeFailure, InterruptedException {
    KeyPair accountKey;
    try {
      accountKey = store.accountKey();
    } catch (IOException e) {
      throw new AcmeFailure("account key: " + e.getMessage(), e, null);
    }
    Session session = new Session(settings.directory(), new Provider(trust));
    session.networkSettings().setTimeout(NETWORK_TIMEOUT);

    Login login;
    try {
      AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
      settings.email().ifPresent(account::addEmail);
      login = account.createLogin(session);
      log.info("ACME account {} at {}", login.getAccountLocation(), settings.directory());
    } catch (AcmeException e) {
      throw AcmeFailure.of("account registration at " + settings.directory(), e);
    }

    Order order;
    try {
      order = login.newOrder().domains(settings.domains()).create();
    } catch (AcmeException e) {
      throw AcmeFailure.of("new order for " + settings.domains(), e);
    }
    for (Authorization authorization : order.getAuthorizations()) {
      authorize(authorization);
    }

    KeyPair domainKey = AcmeCertificateStore.newKeyPair();
    try {
      order.waitUntilReady(VALIDATION_TIMEOUT);
      if (order.getStatus() != Status.READY && order.getStatus() != Status.VALID) {
        throw new AcmeFailure("order is " + order.getStatus() + orderError(order));
      }
      order.execute(domainKey);
      Status status = order.waitForCompletion(VALIDATION_TIMEOUT);
      if (status != Status.VALID) {
        throw new AcmeFailure("finalization: order is " + status + orderError(order));
      }
      org.shredzone.acme4j.Certificate certificate = order.getCertificate();
      StringWriter chain = new StringWriter();
      certificate.writeCertificate(chain);
      X509Certificate leaf = certificate.getCertificate();
      log.info("ACME issued a certificate for {} (serial {}, expires {}, issuer {})", settings.domains(),
          leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant(),
          leaf.getIssuerX500Principal().getName());
      return new Issued(chain.toString(), AcmeCertificateStore.privateKeyPem(domainKey.getPrivate()));
    } catch (AcmeException e) {
      throw AcmeFailure.of("finalization" + orderError(order), e);
    } catch (IOException e) {
      throw new AcmeFailure("certificate download: " + e.getMessage(), e, null);
    }
  }

  private void authorize(Authorization authorization) throws AcmeFailure, InterruptedException {
    String name = authorization.getIdentifier().getDomain();
    if (authorization.getStatus() == Status.VALID) {
      log.debug("ACME authorization for {} is still valid", name);
      return;
    }
    Http01Challenge challenge = authorization.findChallenge(Http01Challenge.class)
        .orElseThrow(() -> new AcmeFailure("the CA offers no http-01 challenge for " + name));
    String token = challenge.getToken();
    responder.publish(token, challenge.getAuthorization());
    try {
      waitForListener();
      preflight(token, challenge.getAuthorization());
      challenge.trigger();
      Status status = challenge.waitForCompletion(VALIDATION_TIMEOUT);
      if (status != Status.VALID) {
        throw new AcmeFailure("http-01 validation of " + name + " is " + status + ": "
            + challenge.getError().map(AcmeFailure::describe).orElse("no problem detail given"));
      }
      log.info("ACME http-01 validation of {} succeeded", name);
    } catch (AcmeException e) {
      throw AcmeFailure.of("http-01 validation of " + name, e);
    } finally {
      responder.withdraw(token);
    }
  }

  /** The HTTP listener opens after every component has started; the CA must not knock before that. */
  private void waitForListener() throws AcmeFailure, InterruptedException {
    long deadline = System.nanoTime() + LISTENER_WAIT.toNanos();
    while (true) {
      int port = httpPort.getAsInt();
      if (port > 0) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(localHost, port), 1000);
          return;
        } catch (IOException e) {
          // not listening yet
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AcmeFailure("the HTTP listener (port " + port + ") is not accepting connections");
      }
      Thread.sleep(200);
    }
  }

  /**
   * Fetches our own token over loopback first: a broken route is reported as such here instead of burning the
   * CA's failed-validation allowance. It cannot prove reachability from the internet, so a mismatch is logged
   * and the CA still gets to try.
   */
  private void preflight(String token, String expected) throws InterruptedException {
    URI uri = URI.create("http://" + (localHost.contains(":") ? "[" + localHost + "]" : localHost) + ":"
        + httpPort.getAsInt() + Http01Responder.PATH_PREFIX + token);
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200 || !expected.equals(response.body().strip())) {
        log.warn("ACME pre-flight: {} answered {} instead of the key authorization", uri, response.statusCode());
      }
    } catch (IOException | IllegalArgumentException e) {
      log.warn("ACME pre-flight: cannot fetch {}: {}", uri, e.toString());
    }
  }

  private static String orderError(Order order) {
    return order.getError().map(problem -> " (" + AcmeFailure.describe(problem) + ")").orElse("");
  }

  /** An SSL context trusting exactly the certificates in a PEM file (ACME_CA_CERTS). */
  static SSLContext sslContextTrusting(Path pemFile) {
    try (InputStream in = Files.newInputStream(pemFile)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
          .generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException("ACME_CA_CERTS: no certificate in " + pemFile);
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      List<Certificate> list = new ArrayList<>(certificates);
      for (int i = 0; i < list.size(); i++) {
        store.setCertificateEntry("ca-" + i, list.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("ACME_CA_CERTS: cannot read " + pemFile + ": " + e.getMessage(), e);
    }
  }

  /** acme4j's generic provider, with the HTTP client trusting ACME_CA_CERTS when set. */
  private static final class Provider extends GenericAcmeProvider {
    private final SSLContext trust;

    Provider(SSLContext trust) {
      this.trust = trust;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
      if (trust == null) {
        return super.createHttpClient(settings);
      }
      HttpClient.Builder builder = HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(settings.getTimeout())
          .proxy(settings.getProxySelector())
          .sslContext(trust);
      if (settings.getAuthenticator() != null) {
        builder.authenticator(settings.getAuthenticator());
      }
      return builder.build();
    }
  }
}
