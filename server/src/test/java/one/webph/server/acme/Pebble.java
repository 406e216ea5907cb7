package one.webph.server.acme;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The pebble ACME test server (Debian package "pebble") as a child process on free loopback ports, with
 * pebble-challtestsrv as its DNS server answering every A query with 127.0.0.1 (so any test name validates
 * against our listener), real HTTP-01 validation (PEBBLE_VA_ALWAYS_VALID=0) without random sleeps. Its API
 * certificate comes from a throw-away test CA ({@link #caFile()}). Close kills both processes.
 */
final class Pebble implements AutoCloseable {
  static final Path PEBBLE = Path.of("/usr/bin/pebble");
  static final Path CHALLTESTSRV = Path.of("/usr/bin/pebble-challtestsrv");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final int acmePort;
  private final int managementPort;
  private final int dnsPort;
  private final int dnsManagementPort;
  private final int validationHttpPort;
  private final SSLContext trust;
  private final List<Process> processes = new ArrayList<>();

  /**
   * Prepares (does not start) pebble validating HTTP-01 on {@code validationHttpPort}.
   *
   * @param dir a directory for the config, certificates and logs
   */
  Pebble(Path dir, int validationHttpPort) throws Exception {
    this.dir = dir;
    this.validationHttpPort = validationHttpPort;
    this.acmePort = freePort();
    this.managementPort = freePort();
    this.dnsPort = freePort();
    this.dnsManagementPort = freePort();
    TestPki pki = new TestPki("webphone test pebble API CA");
    KeyPair apiKey = TestPki.newKey();
    X509Certificate apiCertificate = pki.issue(apiKey, List.of("localhost", "127.0.0.1"),
        Instant.now().minusSeconds(3600), Instant.now().plusSeconds(86400));
    Files.writeString(dir.resolve("pebble-api-cert.pem"), TestPki.pem(apiCertificate));
    Files.writeString(dir.resolve("pebble-api-key.pem"), AcmeCertificateStore.privateKeyPem(apiKey.getPrivate()));
    Files.writeString(caFile(), TestPki.pem(pki.caCertificate));
    trust = sslContextTrusting(List.of(pki.caCertificate));
    Files.writeString(dir.resolve("pebble-config.json"), """
        {"pebble": {
          "listenAddress": "127.0.0.1:%d",
          "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s",
          "privateKey": "%s",
          "httpPort": %d,
          "tlsPort": %d,
          "ocspResponderURL": "",
          "externalAccountBindingRequired": false
        }}
        """.formatted(acmePort, managementPort, dir.resolve("pebble-api-cert.pem"),
        dir.resolve("pebble-api-key.pem"), validationHttpPort, freePort()));
  }

  static boolean installed() {
    return Files.isExecutable(PEBBLE) && Files.isExecutable(CHALLTESTSRV);
  }

  /** The PEM file of the CA that signed pebble's API certificate (for ACME_CA_CERTS). */
  Path caFile() {
    return dir.resolve("pebble-api-ca.pem");
  }

  /** The ACME directory URL (fixed before start, so a server can be configured while pebble is still down). */
  URI directory() {
    return URI.create("https://localhost:" + acmePort + "/dir");
  }

  /** Starts the DNS server and pebble; returns when the directory answers. */
  Pebble start() throws Exception {
    if (!processes.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    ProcessBuilder dns = new ProcessBuilder(CHALLTESTSRV.toString(),
        "-dns01", "127.0.0.1:" + dnsPort, "-management", "127.0.0.1:" + dnsManagementPort,
        "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "")
        .redirectErrorStream(true).redirectOutput(dir.resolve("challtestsrv.log").toFile());
    processes.add(dns.start()); // killed by close(), also when the pebble start below fails
    ProcessBuilder pebble = new ProcessBuilder(PEBBLE.toString(), "-config",
        dir.resolve("pebble-config.json").toString(), "-dnsserver", "127.0.0.1:" + dnsPort)
        .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
    pebble.environment().put("PEBBLE_VA_NOSLEEP", "1");
    pebble.environment().put("PEBBLE_VA_ALWAYS_VALID", "0");
    try {
      processes.add(pebble.start());
      awaitDirectory();
    } catch (Exception | Error e) {
      close(); // the caller may not hold a reference yet: never leave a process behind
      throw e;
    }
    return this;
  }

  private void awaitDirectory() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      for (Process process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException("pebble exited: " + log());
        }
      }
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(directory())
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("newOrder")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pebble did not answer within " + START_TIMEOUT + ": " + log());
      }
      Thread.sleep(100);
    }
  }

  /** Pebble's root CA of this run (regenerated at every start), from the management interface. */
  X509Certificate rootCertificate() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
            URI.create("https://localhost:" + managementPort + "/roots/0")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IllegalStateException("pebble /roots/0 answered " + response.statusCode());
      }
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(body);
    }
  }

  int validationHttpPort() {
    return validationHttpPort;
  }

  String log() {
    try {
      Path file = dir.resolve("pebble.log");
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no pebble log)";
    } catch (IOException e) {
      return "(pebble log unreadable: " + e + ")";
    }
  }

  /** Kills pebble and the DNS server (bounded wait). Safe to call twice. */
  @Override
  public void close() {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static SSLContext sslContextTrusting(List<X509Certificate> anchors) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    for (int i = 0; i < anchors.size(); i++) {
      store.setCertificateEntry("anchor-" + i, anchors.get(i));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
