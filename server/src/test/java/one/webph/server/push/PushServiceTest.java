package one.webph.server.push;

import one.webph.webpush.PushServiceStandIn;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import one.webph.server.config.ConfigLoader;
import one.webph.server.db.Database;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.testing.TestDatabase;
import one.webph.webpush.PushResult;
import one.webph.webpush.Vapid;
import one.webph.webpush.VapidKeys;
import one.webph.webpush.WebPushEncryption;
import one.webph.webpush.WebPushSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link PushService} against the push-service stand-in over HTTP/2: what each push carries (decrypted), its
 * headers, truncation, and the clean-up of gone subscriptions. Storage is H2 (the SQL is covered on both
 * databases by {@link PushStorageTest}).
 */
class PushServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int HOLD_SECONDS = 45;
  private static final String CALLEE = "99910011111";
  private static final String OTHER = "99910022222";

  private static TestDatabase testDatabase;
  private static Vertx vertx;
  private static Database database;
  private static PushServiceStandIn pushService;
  private static VapidKeys keys;
  private static WebPushSender sender;
  private static PushSubscriptionStore subscriptions;
  private static RejectRegistry rejects;
  private static SimpleMeterRegistry meters;
  private static PushService service;

  @BeforeAll
  static void start() throws Exception {
    testDatabase = TestDatabase.create(TestDatabase.Kind.H2);
    vertx = Vertx.vertx();
    database = new Database(ConfigLoader.fromValues(testDatabase.configValues()), vertx, null);
    database.migrate();
    SubscriberStore numbers = new SubscriberStore(database, "localhost");
    numbers.create(CALLEE, "password123", null).await(10, TimeUnit.SECONDS);
    numbers.create(OTHER, "password123", null).await(10, TimeUnit.SECONDS);
    keys = VapidKeys.generate();
    pushService = PushServiceStandIn.start(keys.publicKeyBase64Url(), true);
    sender = new WebPushSender(new Vapid(keys, "mailto:ops@webph.one"), pushService.clientSslContext(),
        WebPushSender.Options.defaults().withMaxAttempts(2).withInitialBackoff(Duration.ofMillis(20)));
    subscriptions = new PushSubscriptionStore(database);
    rejects = new RejectRegistry(Duration.ofMinutes(5));
    meters = new SimpleMeterRegistry();
    service = new PushService(vertx, subscriptions, sender, rejects, meters, Duration.ofSeconds(HOLD_SECONDS),
        Duration.ofDays(14));
  }

  @AfterAll
  static void stop() throws Exception {
    sender.close();
    pushService.close();
    database.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    testDatabase.close();
  }

  private static PushServiceStandIn.Subscriber subscribe(String number) throws Exception {
    PushServiceStandIn.Subscriber browser = pushService.subscribe();
    subscriptions.save(number, browser.subscription(), "test").await(10, TimeUnit.SECONDS);
    return browser;
  }

  private static JsonObject data(PushServiceStandIn.ReceivedPush push) {
    JsonObject body = new JsonObject(push.payloadText());
    assertThat(body.getJsonObject("notification").getString("title")).isEqualTo("Webph.one");
    return body.getJsonObject("notification").getJsonObject("data");
  }

  private static PushServiceStandIn.ReceivedPush awaitPushTo(PushServiceStandIn.Subscriber browser) throws Exception {
    PushServiceStandIn.ReceivedPush push = pushService.awaitPush(WAIT);
    assertThat(push).as("push to %s", browser.id()).isNotNull();
    return push;
  }

  private static void drain() throws Exception {
    while (pushService.awaitPush(Duration.ofMillis(1)) != null) {
      // earlier tests' pushes
    }
  }

  @Test
  void callIncomingThenCanceledReachEveryDeviceWithTheSameTopicAndId() throws Exception {
    String number = "99910033333";
    new SubscriberStore(database, "localhost").create(number, "password123", null).await(10, TimeUnit.SECONDS);
    PushServiceStandIn.Subscriber phone = subscribe(number);
    PushServiceStandIn.Subscriber laptop = subscribe(number);
    drain();
    String callId = "a84b4c76e66710@pc33.example.org";

    assertThat(service.notifyCallIncoming(number, "99910044444", callId).await(10, TimeUnit.SECONDS)).isEqualTo(2);

    String token = rejects.tokenFor(callId, number);
    String topic = PushService.topicFor(callId, number);
    assertThat(topic).matches("[A-Za-z0-9_-]{32}");
    List<String> reached = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      PushServiceStandIn.ReceivedPush push = awaitPushTo(phone);
      reached.add(push.subscriberId());
      assertThat(data(push).getMap()).isEqualTo(Map.of("action", "call-incoming", "from", "99910044444", "id", token));
      assertThat(push.httpVersion()).isEqualTo(HttpVersion.HTTP_2);
      assertThat(push.urgency()).isEqualTo("high");
      assertThat(push.ttl()).isEqualTo(Integer.toString(HOLD_SECONDS));
      assertThat(push.topic()).isEqualTo(topic);
      assertThat(push.vapidPublicKey()).isEqualTo(keys.publicKeyBase64Url());
    }
    assertThat(reached).containsExactlyInAnyOrder(phone.id(), laptop.id());
    // The id handed to the app is an unguessable token, not the SIP Call-ID.
    assertThat(token).doesNotContain("pc33").matches("[A-Za-z0-9_-]{22}");

    assertThat(service.notifyCallCanceled(number, "99910044444", callId).await(10, TimeUnit.SECONDS)).isEqualTo(2);
    for (int i = 0; i < 2; i++) {
      PushServiceStandIn.ReceivedPush push = awaitPushTo(phone);
      assertThat(data(push).getMap()).isEqualTo(Map.of("action", "call-canceled", "from", "99910044444", "id", token));
      assertThat(push.topic()).isEqualTo(topic);
      assertThat(push.urgency()).isEqualTo("high");
    }
    assertThat(pushService.errors()).isEmpty();
    // Another call to the same number gets another topic and token.
    assertThat(PushService.topicFor("other-call", number)).isNotEqualTo(topic);
    assertThat(rejects.tokenFor("other-call", number)).isNotEqualTo(token);
  }

  @Test
  void smsIsTruncatedToFitOnePushMessage() throws Exception {
    PushServiceStandIn.Subscriber browser = subscribe(OTHER);
    drain();
    // Multi-byte characters and characters JSON escapes, so bytes, characters and escapes all differ.
    String text = "Hola \"amigo\" ☎ ñandú 😀 \n".repeat(400);
    assertThat(text.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(WebPushEncryption.MAX_PLAINTEXT_LENGTH);

    PushService.Dispatch dispatch = service.dispatchSms(OTHER, "sip:5551234@gsm.example.org", text)
        .await(10, TimeUnit.SECONDS);
    assertThat(dispatch.attempted()).isGreaterThanOrEqualTo(1);
    assertThat(dispatch.results().await(30, TimeUnit.SECONDS)).allMatch(PushResult::delivered);

    PushServiceStandIn.ReceivedPush push = awaitPushTo(browser);
    assertThat(push.payload().length).isLessThanOrEqualTo(WebPushEncryption.MAX_PLAINTEXT_LENGTH)
        .isGreaterThan(WebPushEncryption.MAX_PLAINTEXT_LENGTH - 64);
    JsonObject data = data(push);
    assertThat(data.getString("action")).isEqualTo("sms-incoming");
    assertThat(data.getString("from")).isEqualTo("sip:5551234@gsm.example.org");
    assertThat(data.getBoolean("truncated")).isTrue();
    String content = data.getString("content");
    assertThat(content).endsWith(PushService.ELLIPSIS);
    assertThat(text).startsWith(content.substring(0, content.length() - 1));
    assertThat(push.urgency()).isEqualTo("high");
    assertThat(push.ttl()).isEqualTo(Long.toString(Duration.ofDays(14).toSeconds()));
    assertThat(push.topic()).isNull();

    assertThat(service.notifySms(OTHER, "99910011111", "short ☎").await(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
    JsonObject shortData = data(awaitPushTo(browser));
    assertThat(shortData.getString("content")).isEqualTo("short ☎");
    assertThat(shortData.containsKey("truncated")).isFalse();
  }

  @Test
  void goneSubscriptionIsDeletedAndCounted() throws Exception {
    String number = "99910055555";
    new SubscriberStore(database, "localhost").create(number, "password123", null).await(10, TimeUnit.SECONDS);
    PushServiceStandIn.Subscriber stale = subscribe(number);
    PushServiceStandIn.Subscriber current = subscribe(number);
    pushService.unsubscribe(stale);
    drain();
    double goneBefore = meters.counter("webphone.push", "outcome", "gone").count();
    double deliveredBefore = meters.counter("webphone.push", "outcome", "delivered").count();

    PushService.Dispatch dispatch = service.dispatchCall("call-incoming", number, "99910011111", "gone-call")
        .await(10, TimeUnit.SECONDS);
    assertThat(dispatch.attempted()).isEqualTo(2);
    List<PushResult> results = dispatch.results().await(30, TimeUnit.SECONDS);

    assertThat(results).extracting(PushResult::outcome)
        .containsExactlyInAnyOrder(PushResult.Outcome.GONE, PushResult.Outcome.DELIVERED);
    assertThat(subscriptions.forNumber(number).await(10, TimeUnit.SECONDS))
        .extracting(s -> s.subscription().endpoint()).containsExactly(current.endpoint());
    assertThat(meters.counter("webphone.push", "outcome", "gone").count()).isEqualTo(goneBefore + 1);
    assertThat(meters.counter("webphone.push", "outcome", "delivered").count()).isEqualTo(deliveredBefore + 1);
    assertThat(awaitPushTo(current).subscriberId()).isEqualTo(current.id());
  }

  @Test
  void aNumberWithoutSubscriptionsGetsNoPush() throws Exception {
    int requests = pushService.requestCount();
    assertThat(service.notifyCallIncoming(CALLEE, "99910022222", "nobody-home").await(10, TimeUnit.SECONDS)).isZero();
    assertThat(service.notifySms(CALLEE, "99910022222", "hi").await(10, TimeUnit.SECONDS)).isZero();
    assertThat(pushService.requestCount()).isEqualTo(requests);
  }

  @Test
  void smsPayloadOfAnyLengthFits() {
    for (int length : new int[] {0, 1, 3900, 3993, 3994, 20_000}) {
      byte[] payload = PushService.smsPayload("99910011111", "\u0001é".repeat(length), "id");
      assertThat(payload.length).as("length %d", length).isLessThanOrEqualTo(WebPushEncryption.MAX_PLAINTEXT_LENGTH);
      new JsonObject(new String(payload, StandardCharsets.UTF_8)); // still valid JSON
    }
  }
}
