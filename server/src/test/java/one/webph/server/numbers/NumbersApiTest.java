package one.webph.server.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The allocation endpoints through a full server, on H2 and MariaDB. */
class NumbersApiTest extends DatabaseTestBase {
  private TestServer server;

  @BeforeEach
  void startServer() throws Exception {
    Map<String, String> values = new java.util.HashMap<>(testDatabase().configValues());
    values.put("NUMBER_RATE_LIMIT", "0");
    values.put("DOMAIN", "localhost");
    server = TestServer.start(values);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private SubscriberStore store() {
    return server.app().context().subscribers();
  }

  @Test
  void allocatesWithDefaultPrefixAndStoresOnlyHashes() throws Exception {
    HttpResponse<String> response = server.postJson(server.https("/api/v1/numbers"), "");
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject body = new JsonObject(response.body());
    String number = body.getString("number");
    assertThat(number).matches("999100[0-9]{5}");
    assertThat(body.getString("password")).hasSizeGreaterThanOrEqualTo(16);
    assertThat(body.getString("domain")).isEqualTo("localhost");
    assertThat(body.getString("sipUri")).isEqualTo("sip:" + number + "@localhost");
    assertThat(body.getString("wsUrl")).isEqualTo("wss://localhost:" + server.app().httpsPort() + "/");
    Subscriber stored = store().findSubscriber(number).await().orElseThrow();
    assertThat(stored.ha1()).isEqualTo(Credentials.ha1Md5(number, "localhost", body.getString("password")));
    assertThat(stored.toString()).doesNotContain(body.getString("password"));
  }

  @Test
  void allocatesWithPrefixAndEmail() throws Exception {
    HttpResponse<String> response = server.postJson(server.https("/api/v1/numbers"),
        "{\"prefix\":\"505051\",\"email\":\"someone@example.org\"}");
    assertThat(response.statusCode()).isEqualTo(201);
    String number = new JsonObject(response.body()).getString("number");
    assertThat(number).startsWith("505051");
    assertThat(store().findSubscriber(number).await().orElseThrow().email()).isEqualTo("someone@example.org");
  }

  @Test
  void badRequestsAreJsonErrorsAndCreateNothing() throws Exception {
    long before = store().count().await();
    HttpResponse<String> unknown = server.postJson(server.https("/api/v1/numbers"), "{\"prefix\":\"123\"}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(unknown.body()).getString("error"))
        .isEqualTo("unknown prefix 123; allowed: 999100, 999200, 505051");
    HttpResponse<String> malformed = server.postJson(server.https("/api/v1/numbers"), "{\"prefix\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(malformed.body()).getString("error")).isEqualTo("malformed JSON");
    HttpResponse<String> wrongType = server.postJson(server.https("/api/v1/numbers"), "{\"prefix\":999100}");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    HttpResponse<String> array = server.postJson(server.https("/api/v1/numbers"), "[]");
    assertThat(array.statusCode()).isEqualTo(400);
    HttpResponse<String> email = server.postJson(server.https("/api/v1/numbers"), "{\"email\":\"a;b@example.org\"}");
    assertThat(email.statusCode()).isEqualTo(400);
    assertThat(store().count().await()).isEqualTo(before);
  }

  @Test
  void compatEndpointAnswersTheOriginalJson() throws Exception {
    HttpResponse<String> ok = server.get(server.https(
        "/cgi-bin/allocatenumber.py?prefix=999200&email_address=1519000000000@generic_email.saycel"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject body = new JsonObject(ok.body());
    assertThat(body.fieldNames()).containsExactly("status", "msg", "user", "pwd", "email_address");
    assertThat(body.getString("status")).isEqualTo("ok");
    assertThat(body.getString("msg")).isEqualTo("created user");
    assertThat(body.getString("user")).matches("999200[0-9]{5}");
    assertThat(body.getString("email_address")).isEqualTo("1519000000000@generic_email.saycel");
    assertThat(ok.body()).isEqualTo("{ \"status\" : \"ok\", \"msg\" : \"created user\", \"user\" : \""
        + body.getString("user") + "\", \"pwd\" : \"" + body.getString("pwd")
        + "\", \"email_address\" : \"1519000000000@generic_email.saycel\" }\n");
    Subscriber stored = store().findSubscriber(body.getString("user")).await().orElseThrow();
    assertThat(stored.ha1()).isEqualTo(Credentials.ha1Md5(stored.number(), "localhost", body.getString("pwd")));

    HttpResponse<String> noPrefix = server.get(server.https("/cgi-bin/allocatenumber.py"));
    assertThat(new JsonObject(noPrefix.body()).getString("user")).startsWith("999100");

    HttpResponse<String> wrong = server.get(server.https("/cgi-bin/allocatenumber.py?prefix=123"));
    assertThat(wrong.body())
        .isEqualTo("{ \"status\" : \"err\", \"msg\" : \"wrong prefix, must be 999100, 999200 or 505051\" }\n");
    HttpResponse<String> semicolon =
        server.get(server.https("/cgi-bin/allocatenumber.py?prefix=999100&email_address=a%3Bb"));
    assertThat(semicolon.body()).isEqualTo(
        "{ \"status\" : \"err\", \"msg\" : \"email address contains semicolon, not supported, sorry\" }\n");
  }

  @Test
  void twoHundredConcurrentHttpAllocations() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      responses.add(server.client().sendAsync(HttpRequest.newBuilder(server.https("/api/v1/numbers"))
          .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    Set<String> numbers = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(response.get().statusCode()).isEqualTo(201);
      numbers.add(new JsonObject(response.get().body()).getString("number"));
    }
    assertThat(numbers).hasSize(200);
    for (String number : numbers) {
      assertThat(store().findSubscriber(number).await()).isPresent();
    }
  }
}
