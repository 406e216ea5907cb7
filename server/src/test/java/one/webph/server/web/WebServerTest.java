package one.webph.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.buffer.Buffer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import one.webph.server.testing.TestServer;
import one.webph.server.tls.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The web layer of a full server (H2): HTTPS, redirects, headers, health, metrics, WebSocket hook, TLS reload. */
class WebServerTest {
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(Map.of("NUMBER_RATE_LIMIT", "3"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void httpsHandshakeWithTheGeneratedCertificate() throws Exception {
    HttpResponse<String> response = server.get(server.https("/"));
    assertThat(response.statusCode()).isEqualTo(200);
    SSLSession session = response.sslSession().orElseThrow();
    X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
    assertThat(peer).isEqualTo(server.app().context().tlsCertificates().certificate());
    assertThat(peer.getSubjectAlternativeNames()).extracting(entry -> String.valueOf(entry.get(1)))
        .contains("localhost", "127.0.0.1");
    assertThat(peer.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(server.dataDir().resolve("tls/self-signed-cert.pem")).exists();
  }

  @Test
  void plainHttpRedirectsExceptWellKnownHealthAndMetrics() throws Exception {
    HttpResponse<String> page = server.get(server.http("/some/page?x=1"));
    assertThat(page.statusCode()).isEqualTo(301);
    assertThat(page.headers().firstValue("Location"))
        .hasValue("https://localhost:" + server.app().httpsPort() + "/some/page?x=1");
    HttpResponse<String> post = server.postJson(server.http("/api/v1/numbers"), "{}");
    assertThat(post.statusCode()).isEqualTo(308);

    assertThat(server.get(server.http("/healthz")).statusCode()).isEqualTo(200);
    assertThat(server.get(server.http("/metrics")).statusCode()).isEqualTo(200);
    // Served by the router (so ACME can mount its challenge route), not redirected: nothing there yet.
    assertThat(server.get(server.http("/.well-known/acme-challenge/token")).statusCode()).isEqualTo(404);
  }

  @Test
  void healthz() throws Exception {
    HttpResponse<String> response = server.get(server.https("/healthz"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("status")).isEqualTo("ok");
    assertThat(body.getString("database")).isEqualTo("up");
  }

  @Test
  void metricsArePrometheusTextWithJvmHttpAndAllocationCounters() throws Exception {
    server.postJson(server.https("/api/v1/numbers"), "{}");
    HttpResponse<String> response = server.get(server.http("/metrics"));
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(response.body()).contains("jvm_memory_used_bytes", "http_server_requests_seconds_count",
        "webphone_numbers_allocated_total{endpoint=\"api\"}", "hikaricp_connections");
  }

  @Test
  void clientConfig() throws Exception {
    HttpResponse<String> response = server.get(server.https("/api/v1/config"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("domain")).isEqualTo("localhost");
    assertThat(body.getString("wsUrl")).isEqualTo("wss://localhost:" + server.app().httpsPort() + "/");
    assertThat(body.getJsonObject("dialRules").getJsonArray("virtualPrefixes").getList())
        .containsExactly("999100", "999200", "505051");
    assertThat(body.getJsonObject("dialRules").getString("conferencePrefix")).isEqualTo("500");
    assertThat(body.getJsonObject("dialRules").getJsonArray("communityPrefixes").isEmpty()).isTrue();
    assertThat(body.getJsonObject("push").getBoolean("enabled")).isTrue(); // the push component is always on
  }

  @Test
  void securityAndCacheHeadersAndCompression() throws Exception {
    HttpResponse<String> index = server.get(server.https("/"));
    assertThat(index.headers().firstValue("Strict-Transport-Security")).isPresent();
    assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(index.headers().firstValue("Referrer-Policy")).isPresent();
    assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'self'").contains("wss://localhost:" + server.app().httpsPort()));
    assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(server.get(server.http("/healthz")).headers().firstValue("Strict-Transport-Security")).isEmpty();

    HttpResponse<byte[]> gzip = server.client().send(HttpRequest.newBuilder(server.https("/metrics"))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(gzip.headers().firstValue("Content-Encoding")).hasValue("gzip");
  }

  @Test
  void fingerprintedAssetsAreImmutable() throws Exception {
    HttpResponse<String> asset = server.get(server.https("/assets/does-not-exist-1234.js"));
    // A missing asset is a 404; the cache policy is checked on what the static handler serves.
    assertThat(asset.statusCode()).isEqualTo(404);
    assertThat(WebServerTestSupport.cacheControlFor("/assets/app-1a2b3c.js"))
        .isEqualTo("public, max-age=31536000, immutable");
    assertThat(WebServerTestSupport.cacheControlFor("/sw.js")).isEqualTo("no-cache");
    assertThat(WebServerTestSupport.cacheControlFor("/manifest.webmanifest")).isEqualTo("no-cache");
  }

  @Test
  void apiErrorsAreJson() throws Exception {
    HttpResponse<String> missing = server.get(server.https("/api/v1/nothing-here"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(missing.body()).getString("error")).isEqualTo("not found");
    HttpResponse<String> method = server.client().send(HttpRequest.newBuilder(server.https("/api/v1/numbers"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(method.statusCode()).isEqualTo(405);
    assertThat(new JsonObject(method.body()).getString("error")).isEqualTo("method not allowed");
    HttpResponse<String> tooLarge = server.postJson(server.https("/api/v1/numbers"),
        "{\"email\":\"" + "x".repeat(WebServer.API_BODY_LIMIT) + "\"}");
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(tooLarge.body()).getString("error")).isNotBlank();
  }

  @Test
  void rateLimitPerClientAddressAcrossBothEndpoints() throws Exception {
    // This class's server allows 3 per hour; other tests here allocate too, so exhaust whatever is left.
    int created = 0;
    HttpResponse<String> last = null;
    for (int i = 0; i < 5; i++) {
      last = i % 2 == 0 ? server.postJson(server.https("/api/v1/numbers"), "{}")
          : server.get(server.https("/cgi-bin/allocatenumber.py?prefix=999100"));
      if (last.statusCode() == 201 || (last.statusCode() == 200 && last.body().contains("\"ok\""))) {
        created++;
      }
    }
    assertThat(created).isLessThanOrEqualTo(3);
    HttpResponse<String> limited = server.postJson(server.https("/api/v1/numbers"), "{}");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
        assertThat(Long.parseLong(v)).isBetween(1L, 1200L));
    assertThat(new JsonObject(limited.body()).getString("error")).contains("too many");
    HttpResponse<String> compat = server.get(server.https("/cgi-bin/allocatenumber.py"));
    assertThat(compat.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(compat.body()).getString("status")).isEqualTo("err");
  }

  @Test
  void webSocketUpgradesReachTheRegisteredHandlerOnAnyPathWithSipSubprotocol() throws Exception {
    Vertx vertx = Vertx.vertx();
    // The SIP component registers the real handler at start; swap it out for this test and put it back after.
    var sipHandler = server.app().context().webServer().webSocketHandler();
    server.app().context().webServer().onWebSocket(null);
    try {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
          .setTrustOptions(new PemTrustOptions().addCertValue(
              Buffer.buffer(server.app().context().tlsCertificates().certificatePem()))));
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost")
          .setPort(server.app().httpsPort()).setURI("/any/path").setSsl(true).setSubProtocols(List.of("sip"));
      // No handler yet: refused.
      assertThat(client.connect(options).toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(10));

      server.app().context().webServer().onWebSocket(ws -> ws.textMessageHandler(text -> ws.writeTextMessage(
          "echo " + ws.subProtocol() + " " + text)));
      var socket = client.connect(options).await(10, TimeUnit.SECONDS);
      var reply = new java.util.concurrent.CompletableFuture<String>();
      socket.textMessageHandler(reply::complete);
      socket.writeTextMessage("OPTIONS sip:localhost SIP/2.0");
      assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo sip OPTIONS sip:localhost SIP/2.0");
      socket.close().await(10, TimeUnit.SECONDS);

      WebSocketClient plain = vertx.createWebSocketClient(new WebSocketClientOptions());
      var plainSocket = plain.connect(new WebSocketConnectOptions().setHost("localhost")
          .setPort(server.app().httpPort()).setURI("/").setSubProtocols(List.of("sip"))).await(10, TimeUnit.SECONDS);
      assertThat(plainSocket.subProtocol()).isEqualTo("sip");
      plainSocket.close().await(10, TimeUnit.SECONDS);
    } finally {
      server.app().context().webServer().onWebSocket(sipHandler);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void certificateUpdateIsAppliedWithoutRestart() throws Exception {
    var tls = server.app().context().tlsCertificates();
    String[] original = {tls.certificatePem(), null};
    String[] replacement = TestCertificates.generate("localhost");
    tls.update(replacement[0], replacement[1], "test");
    try {
      // The HTTP client trusts only the original certificate, so use one trusting the new one.
      var trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("new", tls.certificate());
      var factory = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      var ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(null, factory.getTrustManagers(), null);
      var client = java.net.http.HttpClient.newBuilder().sslContext(ssl).build();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      X509Certificate served = null;
      while (System.nanoTime() < deadline) {
        try {
          HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.https("/healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
          served = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
          break;
        } catch (java.io.IOException handshakeWithOldCertificate) {
          Thread.sleep(100);
        }
      }
      assertThat(served).isEqualTo(tls.certificate());
      assertThat(served.getEncoded()).isNotEqualTo(original[0].getBytes());
    } finally {
      // Other tests' client trusts the generated certificate: put it back.
      String keyPem = java.nio.file.Files.readString(server.dataDir().resolve("tls/self-signed-key.pem"));
      tls.update(original[0], keyPem, "restored");
    }
  }
}
