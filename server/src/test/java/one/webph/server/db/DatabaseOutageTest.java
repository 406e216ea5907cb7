package one.webph.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TcpProxy;
import one.webph.server.testing.TestDatabase;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MariaDB reached through a proxy that the test cuts: down at start (retry), down while running (503). */
class DatabaseOutageTest {
  private TestDatabase testDatabase;
  private TcpProxy proxy;

  @BeforeEach
  void setUp() throws Exception {
    testDatabase = TestDatabase.create(TestDatabase.Kind.MARIADB);
    proxy = new TcpProxy("127.0.0.1", Integer.parseInt(
        TestDatabase.MARIADB_SERVER.replaceAll(".*:(\\d+)$", "$1"))).open();
  }

  @AfterEach
  void tearDown() throws Exception {
    proxy.close();
    testDatabase.close();
  }

  private Map<String, String> values() {
    Map<String, String> values = new HashMap<>(testDatabase.configValues());
    values.put("DB_URL", testDatabase.url().replaceFirst(":\\d+/", ":" + proxy.port() + "/"));
    values.put("NUMBER_RATE_LIMIT", "0");
    return values;
  }

  @Test
  void downWhileRunningAnswers503AndRecoversByItself() throws Exception {
    try (TestServer server = TestServer.start(values())) {
      assertThat(server.postJson(server.https("/api/v1/numbers"), "{}").statusCode()).isEqualTo(201);

      proxy.cut();
      HttpResponse<String> health = server.get(server.https("/healthz"));
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(health.body()).getString("database")).isEqualTo("down");
      HttpResponse<String> allocation = server.postJson(server.https("/api/v1/numbers"), "{}");
      assertThat(allocation.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(allocation.body()).getString("error")).contains("database unavailable");
      assertThat(allocation.headers().firstValue("Retry-After")).isPresent();

      proxy.open();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int status = 0;
      while (System.nanoTime() < deadline && status != 200) {
        status = server.get(server.https("/healthz")).statusCode();
        if (status != 200) {
          Thread.sleep(250);
        }
      }
      assertThat(status).isEqualTo(200);
      assertThat(server.postJson(server.https("/api/v1/numbers"), "{}").statusCode()).isEqualTo(201);
    }
  }

  @Test
  void downAtStartIsRetriedUntilItComesUp() throws Exception {
    proxy.cut();
    CompletableFuture<TestServer> starting = CompletableFuture.supplyAsync(() -> {
      try {
        return TestServer.start(values());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(2500);
    assertThat(starting).as("the server waits for its database").isNotDone();
    proxy.open();
    try (TestServer server = starting.get(60, TimeUnit.SECONDS)) {
      assertThat(server.get(server.https("/healthz")).statusCode()).isEqualTo(200);
    }
  }
}
