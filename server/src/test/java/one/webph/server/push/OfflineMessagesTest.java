package one.webph.server.push;

import one.webph.webpush.PushServiceStandIn;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.push.HeldCallsTest.FakeCall;
import one.webph.server.push.HeldCallsTest.PushInbox;
import one.webph.server.push.OfflineMessageStore.OfflineMessage;
import one.webph.server.sip.Binding;
import one.webph.server.testing.DatabaseTestBase;
import one.webph.sip.message.SipRequest;
import one.webph.sip.parser.SipMessageParser;
import one.webph.webpush.Vapid;
import one.webph.webpush.VapidKeys;
import one.webph.webpush.WebPushSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Offline MESSAGEs through {@link PushCallHooks} on H2 and MariaDB: stored and answered 202 with an sms push,
 * then delivered on registration in order through a fake proxy sender, deleted only after a 2xx, kept on
 * failure, delivered once when two devices register together, and still there for a new server instance.
 */
class OfflineMessagesTest extends DatabaseTestBase {
  private static final Duration WAIT = HeldCallsTest.WAIT;
  private static final String SENDER = "99910080000";
  private static final AtomicInteger NUMBERS = new AtomicInteger(80001);

  private static Vertx vertx;
  private static PushServiceStandIn pushServer;
  private static WebPushSender webPush;
  private static PushInbox inbox;

  private final List<PushCallHooks> created = new ArrayList<>();
  private PushSubscriptionStore subscriptions;
  private OfflineMessageStore messages;
  private SimpleMeterRegistry meters;
  private Context sipLoop;

  @BeforeAll
  static void startPushService() throws Exception {
    vertx = Vertx.vertx();
    VapidKeys keys = VapidKeys.generate();
    pushServer = PushServiceStandIn.start(keys.publicKeyBase64Url(), true);
    webPush = new WebPushSender(new Vapid(keys, "mailto:ops@webph.one"), pushServer.clientSslContext(),
        WebPushSender.Options.defaults().withMaxAttempts(2).withInitialBackoff(Duration.ofMillis(20)));
    inbox = new PushInbox(pushServer);
  }

  @AfterAll
  static void stopPushService() throws Exception {
    webPush.close();
    pushServer.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void stores() {
    subscriptions = new PushSubscriptionStore(database());
    messages = new OfflineMessageStore(database(), Duration.ofDays(14));
    sipLoop = vertx.getOrCreateContext();
  }

  @AfterEach
  void closeHooks() {
    created.forEach(PushCallHooks::close);
  }

  /** A new server instance's hooks over the same database. */
  private PushCallHooks hooks() {
    meters = new SimpleMeterRegistry();
    RejectRegistry rejects = new RejectRegistry(Duration.ofMinutes(5));
    PushService push = new PushService(vertx, subscriptions, webPush, rejects, meters, Duration.ofSeconds(30),
        Duration.ofDays(14));
    PushCallHooks hooks = new PushCallHooks(vertx, push, messages, Duration.ofSeconds(30), meters);
    created.add(hooks);
    return hooks;
  }

  // ------------------------------------------------------------------ storing

  @Test
  void messageToAnOfflineNumberIsStoredAnswered202AndPushed() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = pushServer.subscribe();
    subscriptions.save(number, phone.subscription(), "test").await(10, TimeUnit.SECONDS);
    SipRequest message = message(number, "text/plain;charset=UTF-8", "Hola ☎ ¿qué tal?",
        "Tue, 03 Jun 2008 11:05:30 GMT");
    FakeCall request = new FakeCall(number, message);

    assertThat(onLoop(() -> hooks.onMessageNoContact(number, message, request))).isTrue();

    assertThat(request.status()).isEqualTo(202);
    List<OfflineMessage> stored = messages.pending(number).await(10, TimeUnit.SECONDS);
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).sender()).isEqualTo("sip:" + SENDER + "@localhost");
    assertThat(stored.get(0).contentType()).isEqualTo("text/plain;charset=UTF-8");
    assertThat(new String(stored.get(0).body(), StandardCharsets.UTF_8)).isEqualTo("Hola ☎ ¿qué tal?");
    assertThat(stored.get(0).receivedAt()).isEqualTo(Instant.parse("2008-06-03T11:05:30Z"));
    JsonObject sms = inbox.await(phone, "sms-incoming");
    assertThat(sms.getString("from")).isEqualTo(SENDER);
    assertThat(sms.getString("content")).isEqualTo("Hola ☎ ¿qué tal?");
    assertThat(meters.counter("webphone.messages.offline", "outcome", "stored").count()).isEqualTo(1);
  }

  @Test
  void messageWithoutDateIsStoredWithTheArrivalTime() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    SipRequest message = message(number, "text/plain", "no date", null);
    Instant before = Instant.now().minusSeconds(1);

    onLoop(() -> hooks.onMessageNoContact(number, message, new FakeCall(number, message)));

    OfflineMessage stored = messages.pending(number).await(10, TimeUnit.SECONDS).get(0);
    assertThat(stored.receivedAt()).isBetween(before, Instant.now().plusSeconds(1));
  }

  @Test
  void typingIndicationsAreNotStored() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    SipRequest composing = message(number, "application/im-iscomposing+xml", "<isComposing/>", null);

    assertThat(onLoop(() -> hooks.onMessageNoContact(number, composing, new FakeCall(number, composing)))).isFalse();
    assertThat(messages.pending(number).await(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void storeFailuresAnswerServerErrorsAndStoreNothing() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    SipRequest tooLarge = message(number, "text/plain", "x".repeat(OfflineMessageStore.MAX_BODY_BYTES + 1), null);
    FakeCall first = new FakeCall(number, tooLarge);
    onLoop(() -> hooks.onMessageNoContact(number, tooLarge, first));
    assertThat(first.status()).isEqualTo(513);

    // A number the subscribers table does not know (the proxy checks first; the database refuses anyway).
    String unknown = "99910089999";
    SipRequest orphan = message(unknown, "text/plain", "hello", null);
    FakeCall second = new FakeCall(unknown, orphan);
    onLoop(() -> hooks.onMessageNoContact(unknown, orphan, second));
    assertThat(second.status()).isBetween(500, 599);

    assertThat(messages.pending(number).await(10, TimeUnit.SECONDS)).isEmpty();
    assertThat(meters.counter("webphone.messages.offline", "outcome", "refused").count()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ delivery

  @Test
  void deliveryIsInOrderAndDeletesEachMessageOnlyAfterItsSuccess() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    Instant t0 = Instant.parse("2026-01-02T03:04:05Z");
    // Stored out of order: delivery follows the original dates.
    store(number, "third", t0.plusSeconds(120));
    store(number, "first", t0);
    store(number, "second", t0.plusSeconds(60));
    FakeSender sender = new FakeSender(false);
    hooks.setMessageSender(sender);
    Binding device = HeldCallsTest.binding(number, "flow-d");

    onLoop(() -> {
      hooks.onNewBinding(device, List.of());
      return null;
    });

    FakeSender.Sent first = sender.next();
    assertThat(first.body()).isEqualTo("first");
    assertThat(first.to()).isEqualTo(device);
    assertThat(first.from()).isEqualTo("sip:" + SENDER + "@localhost");
    assertThat(first.contentType()).isEqualTo("text/plain");
    assertThat(first.date()).isEqualTo("Fri, 02 Jan 2026 03:04:05 GMT");
    // Nothing else goes out, and nothing is deleted, before the first one is answered.
    assertThat(sender.none()).isTrue();
    assertThat(bodies(number)).containsExactly("first", "second", "third");

    first.answer().complete(200);
    FakeSender.Sent second = sender.next();
    assertThat(second.body()).isEqualTo("second");
    assertThat(second.date()).isEqualTo("Fri, 02 Jan 2026 03:05:05 GMT");
    assertThat(bodies(number)).containsExactly("second", "third");
    second.answer().complete(202);
    FakeSender.Sent third = sender.next();
    assertThat(third.body()).isEqualTo("third");
    third.answer().complete(200);

    awaitIdle(hooks, number);
    assertThat(bodies(number)).isEmpty();
    assertThat(sender.none()).isTrue();
    assertThat(meters.counter("webphone.messages.offline.delivery", "outcome", "delivered").count()).isEqualTo(3);
  }

  @Test
  void aFailureStopsDeliveryAndKeepsTheRestForTheNextRegistration() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
    store(number, "one", t0);
    store(number, "two", t0.plusSeconds(1));
    store(number, "three", t0.plusSeconds(2));
    FakeSender sender = new FakeSender(false);
    hooks.setMessageSender(sender);

    onLoop(() -> {
      hooks.onNewBinding(HeldCallsTest.binding(number, "flow-1"), List.of());
      return null;
    });
    sender.next().answer().complete(200);
    sender.next().answer().complete(480); // the app went away
    awaitIdle(hooks, number);
    assertThat(sender.none()).isTrue();
    assertThat(bodies(number)).containsExactly("two", "three");

    // A failed send (no final response at all) keeps everything too.
    onLoop(() -> {
      hooks.onNewBinding(HeldCallsTest.binding(number, "flow-2"), List.of());
      return null;
    });
    sender.next().answer().fail("flow closed");
    awaitIdle(hooks, number);
    assertThat(bodies(number)).containsExactly("two", "three");

    // The next registration gets the rest, in order.
    onLoop(() -> {
      hooks.onNewBinding(HeldCallsTest.binding(number, "flow-3"), List.of());
      return null;
    });
    FakeSender.Sent two = sender.next();
    assertThat(two.body()).isEqualTo("two");
    two.answer().complete(200);
    FakeSender.Sent three = sender.next();
    assertThat(three.body()).isEqualTo("three");
    three.answer().complete(200);
    awaitIdle(hooks, number);
    assertThat(bodies(number)).isEmpty();
  }

  @Test
  void twoDevicesRegisteringTogetherGetTheMessagesOnce() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
    store(number, "a", t0);
    store(number, "b", t0.plusSeconds(1));
    FakeSender sender = new FakeSender(false);
    hooks.setMessageSender(sender);
    Binding phone = HeldCallsTest.binding(number, "flow-phone");
    Binding laptop = HeldCallsTest.binding(number, "flow-laptop");

    onLoop(() -> {
      hooks.onNewBinding(phone, List.of());
      hooks.onNewBinding(laptop, List.of());
      return null;
    });

    FakeSender.Sent a = sender.next();
    assertThat(sender.none()).isTrue();
    a.answer().complete(200);
    FakeSender.Sent b = sender.next();
    b.answer().complete(200);
    awaitIdle(hooks, number);
    assertThat(List.of(a.body(), b.body())).containsExactly("a", "b");
    assertThat(b.to()).isEqualTo(a.to());
    assertThat(sender.none()).isTrue();
    assertThat(bodies(number)).isEmpty();
  }

  @Test
  void theOtherDeviceGetsTheMessagesWhenTheFirstFails() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    store(number, "only", Instant.parse("2026-04-01T00:00:00Z"));
    FakeSender sender = new FakeSender(false);
    hooks.setMessageSender(sender);
    Binding phone = HeldCallsTest.binding(number, "flow-phone");
    Binding laptop = HeldCallsTest.binding(number, "flow-laptop");

    onLoop(() -> {
      hooks.onNewBinding(phone, List.of());
      hooks.onNewBinding(laptop, List.of());
      return null;
    });
    FakeSender.Sent toFirst = sender.next();
    toFirst.answer().complete(408);
    FakeSender.Sent toOther = sender.next();
    assertThat(toOther.body()).isEqualTo("only");
    assertThat(toOther.to()).isNotEqualTo(toFirst.to());
    toOther.answer().complete(200);
    awaitIdle(hooks, number);
    assertThat(bodies(number)).isEmpty();
  }

  @Test
  void storedMessagesSurviveARestart() throws Exception {
    PushCallHooks before = hooks();
    String number = newNumber();
    SipRequest message = message(number, "text/plain", "while you were away", "Sat, 07 Mar 2026 10:00:00 GMT");
    FakeCall request = new FakeCall(number, message);
    onLoop(() -> before.onMessageNoContact(number, message, request));
    assertThat(request.status()).isEqualTo(202);
    before.close();

    // A new server instance (same database) delivers it when the number registers.
    PushCallHooks after = hooks();
    FakeSender sender = new FakeSender(true);
    after.setMessageSender(sender);
    onLoop(() -> {
      after.onNewBinding(HeldCallsTest.binding(number, "flow-new"), List.of());
      return null;
    });
    FakeSender.Sent sent = sender.next();
    assertThat(sent.body()).isEqualTo("while you were away");
    assertThat(sent.date()).isEqualTo("Sat, 07 Mar 2026 10:00:00 GMT");
    awaitIdle(after, number);
    assertThat(bodies(number)).isEmpty();
  }

  @Test
  void withoutASenderMessagesWait() throws Exception {
    PushCallHooks hooks = hooks();
    String number = newNumber();
    store(number, "waiting", Instant.parse("2026-05-01T00:00:00Z"));

    onLoop(() -> {
      hooks.onNewBinding(HeldCallsTest.binding(number, "flow-x"), List.of());
      return null;
    });

    assertThat(hooks.delivery().isDelivering(number)).isFalse();
    assertThat(bodies(number)).containsExactly("waiting");
  }

  // ------------------------------------------------------------------ support

  private <T> T onLoop(Supplier<T> work) throws Exception {
    return HeldCallsTest.onLoop(sipLoop, work);
  }

  private static String newNumber() throws Exception {
    String number = "999100" + NUMBERS.getAndIncrement();
    new SubscriberStore(database(), "localhost").create(number, "password123", null).await(10, TimeUnit.SECONDS);
    return number;
  }

  private void store(String number, String text, Instant date) throws Exception {
    messages.store(number, "sip:" + SENDER + "@localhost", "text/plain", text, date).await(10, TimeUnit.SECONDS);
  }

  private List<String> bodies(String number) throws Exception {
    return messages.pending(number).await(10, TimeUnit.SECONDS).stream()
        .map(m -> new String(m.body(), StandardCharsets.UTF_8)).toList();
  }

  private static void awaitIdle(PushCallHooks hooks, String number) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (hooks.delivery().isDelivering(number) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(hooks.delivery().isDelivering(number)).as("delivery to %s finished", number).isFalse();
  }

  private static SipRequest message(String number, String contentType, String text, String date) {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    return (SipRequest) SipMessageParser.parse("MESSAGE sip:" + number + "@localhost SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-m" + NUMBERS.get() + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:" + SENDER + "@localhost>;tag=m1\r\n"
        + "To: <sip:" + number + "@localhost>\r\n"
        + "Call-ID: msg-" + number + "-" + System.nanoTime() + "@127.0.0.1\r\n"
        + "CSeq: 1 MESSAGE\r\n"
        + (date != null ? "Date: " + date + "\r\n" : "")
        + "Content-Type: " + contentType + "\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n" + text);
  }

  /** The proxy's MESSAGE sender: records each send; answers at once ({@code autoOk}) or when the test says. */
  static final class FakeSender implements OfflineMessageSender {
    record Sent(Binding to, String from, String contentType, String body, String date, Promise<Integer> answer) {}

    private final boolean autoOk;
    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

    FakeSender(boolean autoOk) {
      this.autoOk = autoOk;
    }

    @Override
    public Future<Integer> sendMessage(Binding to, String fromUri, String contentType, byte[] body, String date) {
      Promise<Integer> answer = Promise.promise();
      sent.add(new Sent(to, fromUri, contentType, new String(body, StandardCharsets.UTF_8), date, answer));
      if (autoOk) {
        answer.complete(200);
      }
      return answer.future();
    }

    Sent next() throws InterruptedException {
      Sent next = sent.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(next).as("a MESSAGE sent").isNotNull();
      return next;
    }

    /** True when nothing more is sent within a short grace period. */
    boolean none() throws InterruptedException {
      return sent.poll(300, TimeUnit.MILLISECONDS) == null;
    }
  }
}
