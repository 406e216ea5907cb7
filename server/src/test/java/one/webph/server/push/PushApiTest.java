package one.webph.server.push;

import one.webph.webpush.PushServiceStandIn;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import one.webph.server.testing.TestServer;
import one.webph.webpush.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The push HTTP API through a complete server: authentication, subscriptions, the original app's endpoints,
 * call rejection, and one push end to end (subscription saved over HTTP, push decrypted at the stand-in).
 */
class PushApiTest {
  private static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
  private static final String ALICE = "99910012345";
  private static final String BOB = "99910067890";
  private static final String PASSWORD_ALICE = "alice-password-1";
  private static final String PASSWORD_BOB = "bob-password-22";

  private static PushServiceStandIn pushService;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    pushService = PushServiceStandIn.start();
    PushComponent.senderTrustForTests = pushService.clientSslContext();
    try {
      server = TestServer.start(Map.of("DOMAIN", "localhost", "ADMIN_TOKEN", ADMIN_TOKEN));
    } finally {
      PushComponent.senderTrustForTests = null;
    }
    var numbers = server.app().context().subscribers();
    numbers.create(ALICE, PASSWORD_ALICE, null).await(10, TimeUnit.SECONDS);
    numbers.create(BOB, PASSWORD_BOB, null).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    pushService.close();
  }

  private static PushComponent push() {
    return PushComponent.lookup(server.app().context().vertx()).orElseThrow();
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(String method, String path, String authorization, String json)
      throws Exception {
    HttpRequest.Builder builder = HttpRequest.newBuilder(server.https(path)).timeout(Duration.ofSeconds(20))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      builder.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    return server.client().send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String subscriptionJson(Subscription subscription) {
    return new JsonObject().put("endpoint", subscription.endpoint()).put("expirationTime", (Object) null)
        .put("keys", new JsonObject().put("p256dh", subscription.p256dh()).put("auth", subscription.auth())).encode();
  }

  @Test
  void publicKeyIsServedOnBothPaths() throws Exception {
    HttpResponse<String> api = server.get(server.https("/api/v1/push/key"));
    HttpResponse<String> compat = server.get(server.https("/webpush/publicKey"));
    assertThat(api.statusCode()).isEqualTo(200);
    assertThat(compat.statusCode()).isEqualTo(200);
    String key = new JsonObject(api.body()).getString("key");
    assertThat(Base64.getUrlDecoder().decode(key)).hasSize(65).startsWith((byte) 4);
    assertThat(new JsonObject(compat.body()).getString("key")).isEqualTo(key);
    assertThat(key).isEqualTo(push().vapidKeys().publicKeyBase64Url());
  }

  @Test
  void subscribingRequiresTheNumbersOwnCredentials() throws Exception {
    Subscription browser = PushStorageTest.browserSubscription("https://push.example.org/api/alice-1");
    String body = subscriptionJson(browser);

    HttpResponse<String> anonymous = send("POST", "/api/v1/push/subscriptions", null, body);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"localhost\"");
    assertThat(new JsonObject(anonymous.body()).getString("error")).contains("authentication required");

    HttpResponse<String> wrongPassword = send("POST", "/api/v1/push/subscriptions", basic(ALICE, PASSWORD_BOB), body);
    assertThat(wrongPassword.statusCode()).isEqualTo(401);
    assertThat(wrongPassword.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"localhost\"");
    HttpResponse<String> unknownNumber = send("POST", "/api/v1/push/subscriptions", basic("99910000000", "whatever1"), body);
    assertThat(unknownNumber.statusCode()).isEqualTo(401);
    assertThat(push().subscriptions().forNumber(ALICE).await(10, TimeUnit.SECONDS)).isEmpty();

    HttpResponse<String> created = send("POST", "/api/v1/push/subscriptions", basic(ALICE, PASSWORD_ALICE), body);
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(created.body()).getString("status")).isEqualTo("created");
    HttpResponse<String> again = send("POST", "/api/v1/push/subscriptions", basic(ALICE, PASSWORD_ALICE), body);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(push().subscriptions().forNumber(ALICE).await(10, TimeUnit.SECONDS))
        .extracting(PushSubscriptionStore.StoredSubscription::subscription).containsExactly(browser);

    // Bob cannot file a subscription under Alice's number.
    String asAlice = new JsonObject(body).put("number", ALICE).encode();
    HttpResponse<String> foreign = send("POST", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), asAlice);
    assertThat(foreign.statusCode()).isEqualTo(403);

    // Bob cannot delete Alice's subscription; Alice can.
    String endpointOnly = new JsonObject().put("endpoint", browser.endpoint()).encode();
    assertThat(send("DELETE", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), endpointOnly).statusCode())
        .isEqualTo(204);
    assertThat(push().subscriptions().forNumber(ALICE).await(10, TimeUnit.SECONDS)).hasSize(1);
    assertThat(send("DELETE", "/api/v1/push/subscriptions", null, endpointOnly).statusCode()).isEqualTo(401);
    assertThat(send("DELETE", "/api/v1/push/subscriptions", basic(ALICE, PASSWORD_ALICE), endpointOnly).statusCode())
        .isEqualTo(204);
    assertThat(push().subscriptions().forNumber(ALICE).await(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void invalidSubscriptionsAreRefusedWithTheReason() throws Exception {
    Subscription valid = PushStorageTest.browserSubscription("https://push.example.org/api/bob-x");
    JsonObject plainHttp = new JsonObject(subscriptionJson(valid)).put("endpoint", "http://push.example.org/x");
    HttpResponse<String> insecure = send("POST", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), plainHttp.encode());
    assertThat(insecure.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(insecure.body()).getString("error")).contains("https");

    JsonObject badKey = new JsonObject(subscriptionJson(valid));
    badKey.getJsonObject("keys").put("p256dh", "AAAA");
    assertThat(send("POST", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), badKey.encode()).statusCode())
        .isEqualTo(400);
    assertThat(send("POST", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), "{\"endpoint\":").statusCode())
        .isEqualTo(400);
    assertThat(send("POST", "/api/v1/push/subscriptions", basic(BOB, PASSWORD_BOB), "[1]").statusCode()).isEqualTo(400);
    assertThat(push().subscriptions().forNumber(BOB).await(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void compatibilitySaveIsRefusedByDefault() throws Exception {
    Subscription browser = PushStorageTest.browserSubscription("https://push.example.org/compat/alice");
    String body = new JsonObject().put("user", ALICE).put("endpoint", browser.endpoint())
        .put("auth", browser.auth()).put("p256dh", browser.p256dh()).encode();
    HttpResponse<String> response = send("POST", "/webpush/save", null, body);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(response.body()).getString("error"))
        .contains("PUSH_COMPAT_UNAUTHENTICATED_SAVE").contains("/api/v1/push/subscriptions");
    assertThat(push().subscriptions().findByEndpoint(browser.endpoint()).await(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void surveysAreStoredByAnyoneAndListedOnlyWithTheAdminToken() throws Exception {
    HttpResponse<String> posted = send("POST", "/webpush/survey", null,
        "{\"user\":\"" + ALICE + "\",\"rating\":5,\"comment\":\"se oye claro\"}");
    assertThat(posted.statusCode()).isEqualTo(201);
    assertThat(send("POST", "/webpush/feedback", null, "{\"comment\":\"eco\"}").statusCode()).isEqualTo(201);
    assertThat(send("POST", "/webpush/survey", null, "not json").statusCode()).isEqualTo(400);

    HttpResponse<String> anonymous = send("GET", "/webpush/survey", null, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).doesNotContain("se oye claro");
    HttpResponse<String> wrong = send("GET", "/webpush/survey", "Bearer not-the-admin-token-at-all", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(send("GET", "/webpush/survey", basic(ALICE, PASSWORD_ALICE), null).statusCode()).isEqualTo(401);

    HttpResponse<String> listed = send("GET", "/webpush/survey", "Bearer " + ADMIN_TOKEN, null);
    assertThat(listed.statusCode()).isEqualTo(200);
    JsonArray entries = new JsonArray(listed.body());
    JsonObject entry = entries.getJsonObject(0);
    assertThat(entry.getString("kind")).isEqualTo("survey");
    assertThat(entry.getString("number")).isEqualTo(ALICE);
    assertThat(entry.getJsonObject("data").getInteger("rating")).isEqualTo(5);
    assertThat(entry.getJsonObject("data").getString("comment")).isEqualTo("se oye claro");
    JsonArray feedback = new JsonArray(send("GET", "/webpush/feedback", "Bearer " + ADMIN_TOKEN, null).body());
    assertThat(feedback.getJsonObject(0).getJsonObject("data").getString("comment")).isEqualTo("eco");
  }

  @Test
  void onlyTheCalleeRejectsItsCall() throws Exception {
    List<String> rejected = new CopyOnWriteArrayList<>();
    RejectRegistry rejects = push().rejects();
    rejects.onReject((callId, callee) -> rejected.add(callId + " " + callee));
    String token = rejects.tokenFor("call-api-1@example.org", ALICE);

    assertThat(send("POST", "/api/v1/calls/" + token + "/reject", null, null).statusCode()).isEqualTo(401);
    HttpResponse<String> byBob = send("POST", "/api/v1/calls/" + token + "/reject", basic(BOB, PASSWORD_BOB), null);
    assertThat(byBob.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(byBob.body()).getString("error")).contains("no such call");
    assertThat(rejected).isEmpty();

    HttpResponse<String> byAlice = send("POST", "/api/v1/calls/" + token + "/reject", basic(ALICE, PASSWORD_ALICE), null);
    assertThat(byAlice.statusCode()).isEqualTo(200);
    assertThat(rejected).containsExactly("call-api-1@example.org " + ALICE);
    assertThat(send("GET", "/webpush/reject/" + token, null, null).statusCode()).as("used").isEqualTo(404);

    String compatToken = rejects.tokenFor("call-api-2@example.org", BOB);
    assertThat(send("GET", "/webpush/reject/" + compatToken, null, null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/webpush/reject/made-up-token", null, null).statusCode()).isEqualTo(404);
    assertThat(rejected).containsExactly("call-api-1@example.org " + ALICE, "call-api-2@example.org " + BOB);
  }

  @Test
  void aSubscriptionSavedOverHttpReceivesTheServersPush() throws Exception {
    String carol = "99910054321";
    server.app().context().subscribers().create(carol, "carol-password", null).await(10, TimeUnit.SECONDS);
    PushServiceStandIn.Subscriber browser = pushService.subscribe();
    assertThat(send("POST", "/api/v1/push/subscriptions", basic(carol, "carol-password"),
        subscriptionJson(browser.subscription())).statusCode()).isEqualTo(201);

    int attempted = push().pushService().notifyCallIncoming(carol, ALICE, "e2e-call@example.org")
        .await(10, TimeUnit.SECONDS);

    assertThat(attempted).isEqualTo(1);
    PushServiceStandIn.ReceivedPush received = pushService.awaitPush(Duration.ofSeconds(20));
    assertThat(received).isNotNull();
    assertThat(received.subscriberId()).isEqualTo(browser.id());
    JsonObject data = new JsonObject(received.payloadText()).getJsonObject("notification").getJsonObject("data");
    assertThat(data.getString("action")).isEqualTo("call-incoming");
    assertThat(data.getString("from")).isEqualTo(ALICE);
    assertThat(received.ttl()).isEqualTo("30");
    assertThat(received.vapidPublicKey())
        .isEqualTo(new JsonObject(server.get(server.https("/api/v1/push/key")).body()).getString("key"));
    assertThat(pushService.errors()).isEmpty();

    // The id in the notification is what the app posts to reject the call.
    assertThat(send("POST", "/api/v1/calls/" + data.getString("id") + "/reject", basic(carol, "carol-password"), null)
        .statusCode()).isEqualTo(200);
    String metrics = server.get(URI.create("http://localhost:" + server.app().httpPort() + "/metrics")).body();
    assertThat(metrics).contains("webphone_push_total{outcome=\"delivered\"}");
  }
}
