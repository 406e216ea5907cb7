package one.webph.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import one.webph.server.ServerApp;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigLoader;

/**
 * A complete server started in-process on free ports (HTTP, HTTPS, SIP 0 = any) with a temporary DATA_DIR, plus
 * an HTTP client that trusts exactly its certificate. Close it to stop the server and delete the directory.
 */
public final class TestServer implements AutoCloseable {
  private final Path dataDir;
  private final ServerApp app;
  private final HttpClient client;

  private TestServer(Path dataDir, ServerApp app) throws Exception {
    this.dataDir = dataDir;
    this.app = app;
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("server", app.context().tlsCertificates().certificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, factory.getTrustManagers(), null);
    this.client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(30)).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** Starts with the given canonical configuration keys over test defaults (H2 in the temp DATA_DIR). */
  public static TestServer start(Map<String, String> values) throws Exception {
    Path dataDir = Files.createTempDirectory("wp-server-");
    Map<String, String> all = new HashMap<>();
    all.put("DATA_DIR", dataDir.toString());
    all.put("HTTP_PORT", "0");
    all.put("HTTPS_PORT", "0");
    all.put("SIP_PORT", "0");
    all.put("SIPS_PORT", "0");
    all.put("BIND_ADDRESS", "127.0.0.1");
    all.putAll(values);
    Config config = ConfigLoader.fromValues(all);
    try {
      return new TestServer(dataDir, ServerApp.start(config));
    } catch (Exception | Error e) {
      TestFiles.deleteRecursively(dataDir);
      throw e;
    }
  }

  public ServerApp app() {
    return app;
  }

  public Path dataDir() {
    return dataDir;
  }

  public HttpClient client() {
    return client;
  }

  /** https://localhost:PORT + path */
  public URI https(String path) {
    return URI.create("https://localhost:" + app.httpsPort() + path);
  }

  public URI http(String path) {
    return URI.create("http://localhost:" + app.httpPort() + path);
  }

  public HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> postJson(URI uri, String json) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    app.stop();
    TestFiles.deleteRecursively(dataDir);
  }
}
