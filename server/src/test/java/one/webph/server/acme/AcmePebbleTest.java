package one.webph.server.acme;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import one.webph.server.ServerApp;
import one.webph.server.config.ConfigLoader;
import one.webph.server.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The whole server against the real pebble ACME CA: HTTP-01 over our HTTP listener, the certificate swapped into
 * the running HTTPS server (new connections see it, an open connection keeps working), renewal of an expiring
 * certificate, CA outages and failed validations logged and retried while the old certificate keeps serving,
 * and a restart reusing the stored certificate.
 */
class AcmePebbleTest {
  private static final String DOMAIN = "webphone.test";
  private static final String ALIAS = "sip.webphone.test";
  private static final Duration WAIT = Duration.ofSeconds(90);

  private Path dir;
  private Path dataDir;
  private Pebble pebble;
  private ServerApp app;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger acmeLogger;
  private Level previousLevel;

  @BeforeEach
  void setUp() throws Exception {
    assertThat(Pebble.installed()).as("pebble is not installed (apt-get install pebble); CI installs it").isTrue();
    dir = Files.createTempDirectory("wp-acme-");
    dataDir = Files.createDirectories(dir.resolve("data"));
    acmeLogger = (Logger) LoggerFactory.getLogger("one.webph.server.acme");
    previousLevel = acmeLogger.getLevel();
    acmeLogger.setLevel(Level.INFO);
    logs.start();
    acmeLogger.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    try {
      if (app != null) {
        app.stop();
      }
    } finally {
      if (pebble != null) {
        pebble.close();
      }
      if (acmeLogger != null) {
        acmeLogger.detachAppender(logs);
        acmeLogger.setLevel(previousLevel);
      }
      TestFiles.deleteRecursively(dir);
    }
  }

  @Test
  void issuesAfterTheCaComesUpAndSwapsTheCertificateWithoutRestart() throws Exception {
    int httpPort = Pebble.freePort();
    pebble = new Pebble(dir, httpPort); // configured, not started: the CA is down at first
    app = startServer(httpPort);

    try (HttpsConnection first = HttpsConnection.open(app.httpsPort(), DOMAIN)) {
      X509Certificate selfSigned = first.peerCertificate();
      assertThat(selfSigned.getIssuerX500Principal()).isEqualTo(selfSigned.getSubjectX500Principal());
      assertThat(first.get("/healthz")).isEqualTo(200);

      ILoggingEvent failure = awaitLog(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().contains("failed (attempt 1)"));
      assertThat(failure.getFormattedMessage()).contains("account registration at " + pebble.directory())
          .contains("retrying in").contains("still serving");
      assertThat(servedCertificate()).isEqualTo(selfSigned);

      pebble.start();
      X509Certificate issued = awaitServed(certificate -> !certificate.equals(selfSigned));
      assertThat(issued.getIssuerX500Principal().getName()).contains("Pebble");
      assertThat(AcmeRenewer.dnsNames(issued)).containsExactlyInAnyOrder(DOMAIN, ALIAS);
      SSLContext pebbleTrust = Pebble.sslContextTrusting(List.of(pebble.rootCertificate()));
      assertThat(validatedCertificate(pebbleTrust, DOMAIN)).isEqualTo(issued);
      assertThat(validatedCertificate(pebbleTrust, ALIAS)).isEqualTo(issued);

      // The connection opened before the swap keeps its session and keeps working.
      assertThat(first.get("/healthz")).isEqualTo(200);
      assertThat(first.get("/healthz")).isEqualTo(200);
      assertThat(first.peerCertificate()).isEqualTo(selfSigned);

      Path acmeDir = dataDir.resolve("acme");
      assertThat(acmeDir.resolve("account-key.pem")).isRegularFile();
      assertThat(Files.getPosixFilePermissions(acmeDir.resolve("private-key.pem")))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      assertThat(new AcmeCertificateStore(acmeDir).loadCertificate().orElseThrow().leaf()).isEqualTo(issued);
      assertThat(app.context().meterRegistry().get("webphone.acme.failures").counter().count())
          .isGreaterThanOrEqualTo(1);

      // A restart serves the stored certificate from the first connection, with the CA down.
      app.stop();
      app = null;
      pebble.close();
      app = startServer(httpPort);
      assertThat(servedCertificate()).isEqualTo(issued);
    }
  }

  @Test
  void renewsAnExpiringCertificateInPlace() throws Exception {
    // A stored certificate with 5 of its 85 days left: due for renewal (30 days), still served meanwhile.
    TestPki oldCa = new TestPki("webphone test previous CA");
    KeyPair key = TestPki.newKey();
    X509Certificate expiring = oldCa.issue(key, List.of(DOMAIN, ALIAS),
        Instant.now().minus(Duration.ofDays(80)), Instant.now().plus(Duration.ofDays(5)));
    new AcmeCertificateStore(dataDir.resolve("acme")).saveCertificate(TestPki.pem(expiring, oldCa.caCertificate),
        AcmeCertificateStore.privateKeyPem(key.getPrivate()));

    int httpPort = Pebble.freePort();
    pebble = new Pebble(dir, httpPort);
    app = startServer(httpPort);
    try (HttpsConnection first = HttpsConnection.open(app.httpsPort(), DOMAIN)) {
      assertThat(first.peerCertificate()).isEqualTo(expiring);
      ILoggingEvent due = awaitLog(e -> e.getFormattedMessage().startsWith("requesting a certificate"));
      assertThat(due.getFormattedMessage()).contains("expires at " + expiring.getNotAfter().toInstant());
      awaitLog(e -> e.getFormattedMessage().contains("failed (attempt 1)"));

      pebble.start();
      X509Certificate renewed = awaitServed(certificate -> !certificate.equals(expiring));
      assertThat(renewed.getIssuerX500Principal().getName()).contains("Pebble");
      assertThat(renewed.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(60)));
      assertThat(validatedCertificate(Pebble.sslContextTrusting(List.of(pebble.rootCertificate())), ALIAS))
          .isEqualTo(renewed);
      assertThat(first.get("/healthz")).isEqualTo(200);
      assertThat(new AcmeCertificateStore(dataDir.resolve("acme")).loadCertificate().orElseThrow().leaf())
          .isEqualTo(renewed);
    }
  }

  @Test
  void failedValidationIsLoggedWithTheProblemDetailAndRetried() throws Exception {
    // Pebble validates HTTP-01 against a port nobody listens on: it answers with an ACME problem document.
    int closedPort = Pebble.freePort();
    pebble = new Pebble(dir, closedPort).start();
    app = startServer(Pebble.freePort());
    X509Certificate selfSigned = servedCertificate();

    ILoggingEvent first = awaitLog(e -> e.getFormattedMessage().contains("failed (attempt 1)"));
    assertThat(first.getLevel()).isEqualTo(Level.WARN);
    assertThat(first.getFormattedMessage())
        .contains("http-01 validation of")
        .contains("urn:ietf:params:acme:error:connection")
        .contains(String.valueOf(closedPort))
        .contains("still serving");
    awaitLog(e -> e.getFormattedMessage().contains("failed (attempt 2)"));
    assertThat(servedCertificate()).isEqualTo(selfSigned);
    assertThat(selfSigned.getIssuerX500Principal()).isEqualTo(selfSigned.getSubjectX500Principal());
    assertThat(dataDir.resolve("acme").resolve("certificate.pem")).doesNotExist();
  }

  private ServerApp startServer(int httpPort) throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("DATA_DIR", dataDir.toString());
    values.put("BIND_ADDRESS", "127.0.0.1");
    values.put("HTTP_PORT", String.valueOf(httpPort));
    values.put("HTTPS_PORT", "0");
    values.put("SIP_PORT", "0");
    values.put("SIPS_PORT", "0");
    values.put("DOMAIN", DOMAIN);
    values.put("ACME_ENABLED", "true");
    values.put("ACME_DIRECTORY", pebble.directory().toString());
    values.put("ACME_CA_CERTS", pebble.caFile().toString());
    values.put("ACME_DOMAINS", ALIAS);
    values.put("ACME_EMAIL", "admin@" + DOMAIN);
    values.put("ACME_RETRY_SECONDS", "1");
    return ServerApp.start(ConfigLoader.fromValues(values));
  }

  /** The leaf a fresh TLS connection to our HTTPS port gets (not validated). */
  private X509Certificate servedCertificate() throws Exception {
    try (HttpsConnection connection = HttpsConnection.open(app.httpsPort(), DOMAIN)) {
      return connection.peerCertificate();
    }
  }

  /** Connects with full PKIX and host name validation for {@code host}; returns the leaf. */
  private X509Certificate validatedCertificate(SSLContext trust, String host) throws Exception {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", app.httpsPort()), 5000);
      try (SSLSocket socket = (SSLSocket) trust.getSocketFactory()
          .createSocket(plain, host, app.httpsPort(), false)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(List.of(new SNIHostName(host)));
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(5000);
        socket.startHandshake();
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
      }
    }
  }

  private X509Certificate awaitServed(Predicate<X509Certificate> condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      X509Certificate served = servedCertificate();
      if (condition.test(served)) {
        return served;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no new certificate within " + WAIT + "; still " + served.getIssuerX500Principal()
            + "\nACME log:\n" + logText() + "\npebble log:\n" + pebble.log());
      }
      Thread.sleep(200);
    }
  }

  private ILoggingEvent awaitLog(Predicate<ILoggingEvent> condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      synchronized (logs) {
        for (ILoggingEvent event : List.copyOf(logs.list)) {
          if (condition.test(event)) {
            return event;
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected log line not seen within " + WAIT + "; ACME log:\n" + logText());
      }
      Thread.sleep(100);
    }
  }

  private String logText() {
    StringBuilder out = new StringBuilder();
    for (ILoggingEvent event : List.copyOf(logs.list)) {
      out.append(event.getLevel()).append(' ').append(event.getFormattedMessage()).append('\n');
    }
    return out.toString();
  }

  /** An HTTP/1.1 keep-alive connection over TLS that accepts any server certificate and remembers it. */
  static final class HttpsConnection implements AutoCloseable {
    private final SSLSocket socket;
    private final String host;

    private HttpsConnection(SSLSocket socket, String host) {
      this.socket = socket;
      this.host = host;
    }

    static HttpsConnection open(int port, String host) throws Exception {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new AcceptAnyCertificate()}, null);
      Socket plain = new Socket();
      plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(host)));
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return new HttpsConnection(socket, host);
    }

    X509Certificate peerCertificate() throws Exception {
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** Sends a GET on this connection and reads the whole response; returns the status code. */
    int get(String path) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      int status = Integer.parseInt(head.substring(9, 12));
      String lower = head.toLowerCase(Locale.ROOT);
      int lengthAt = lower.indexOf("\r\ncontent-length:");
      if (lengthAt >= 0) {
        int end = lower.indexOf("\r\n", lengthAt + 2);
        int length = Integer.parseInt(lower.substring(lengthAt + 17, end).strip());
        in.readNBytes(length);
      } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
        while (true) {
          int size = Integer.parseInt(readLine(in).strip(), 16);
          in.readNBytes(size);
          readLine(in);
          if (size == 0) {
            break;
          }
        }
      }
      return status;
    }

    private static String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed; got " + head);
        }
        head.write(b);
        byte[] bytes = head.toByteArray();
        int n = bytes.length;
        if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
          return head.toString(StandardCharsets.US_ASCII);
        }
        if (n > 65536) {
          throw new IOException("response head too long");
        }
      }
    }

    private static String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        line.write(b);
      }
      return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Test client only: we look at whichever certificate the server presents. */
  private static final class AcceptAnyCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
