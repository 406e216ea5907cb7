package one.webph.server.push;

import one.webph.webpush.PushServiceStandIn;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import one.webph.server.config.ConfigLoader;
import one.webph.server.db.Database;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.sip.Binding;
import one.webph.server.sip.CallHooks;
import one.webph.server.testing.TestDatabase;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipUri;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.transport.Transport;
import one.webph.webpush.Vapid;
import one.webph.webpush.VapidKeys;
import one.webph.webpush.WebPushSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link PushCallHooks} for calls, as the SIP proxy drives them (on an event loop, with a fake pending call
 * standing for the proxy's response context): the real {@link PushService} pushing to the push-service
 * stand-in, real subscription storage on H2.
 */
class HeldCallsTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration SHORT_HOLD = Duration.ofMillis(800);
  private static final Duration LONG_HOLD = Duration.ofSeconds(60);
  private static final String CALLER = "99910070000";
  private static final AtomicInteger NUMBERS = new AtomicInteger(70001);
  private static final AtomicInteger CALL_IDS = new AtomicInteger();

  private static TestDatabase testDatabase;
  private static Vertx vertx;
  private static Database database;
  private static PushServiceStandIn pushServer;
  private static WebPushSender sender;
  private static PushSubscriptionStore subscriptions;
  private static OfflineMessageStore messages;
  private static PushInbox inbox;

  private final List<PushCallHooks> created = new ArrayList<>();
  private RejectRegistry rejects;
  private SimpleMeterRegistry meters;
  private Context sipLoop;

  @BeforeAll
  static void start() throws Exception {
    testDatabase = TestDatabase.create(TestDatabase.Kind.H2);
    vertx = Vertx.vertx();
    database = new Database(ConfigLoader.fromValues(testDatabase.configValues()), vertx, null);
    database.migrate();
    VapidKeys keys = VapidKeys.generate();
    pushServer = PushServiceStandIn.start(keys.publicKeyBase64Url(), true);
    sender = new WebPushSender(new Vapid(keys, "mailto:ops@webph.one"), pushServer.clientSslContext(),
        WebPushSender.Options.defaults().withMaxAttempts(2).withInitialBackoff(Duration.ofMillis(20)));
    subscriptions = new PushSubscriptionStore(database);
    messages = new OfflineMessageStore(database, Duration.ofDays(14));
    inbox = new PushInbox(pushServer);
  }

  @AfterAll
  static void stop() throws Exception {
    sender.close();
    pushServer.close();
    database.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    testDatabase.close();
  }

  @AfterEach
  void closeHooks() {
    created.forEach(PushCallHooks::close);
  }

  private PushCallHooks hooks(Duration hold) {
    rejects = new RejectRegistry(Duration.ofMinutes(5));
    meters = new SimpleMeterRegistry();
    PushService push = new PushService(vertx, subscriptions, sender, rejects, meters, hold, Duration.ofDays(14));
    PushCallHooks hooks = new PushCallHooks(vertx, push, messages, hold, meters);
    created.add(hooks);
    sipLoop = vertx.getOrCreateContext();
    return hooks;
  }

  // ------------------------------------------------------------------ tests

  @Test
  void heldCallGetsTheDeviceThatRegistersAsBranch() throws Exception {
    PushCallHooks hooks = hooks(SHORT_HOLD);
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = subscribe(number);
    FakeCall call = new FakeCall(number, invite(number));

    boolean held = onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(), call);
      return hooks.onNoContact(number, call.request(), call);
    });

    assertThat(held).isTrue();
    JsonObject pushed = inbox.await(phone, "call-incoming");
    assertThat(pushed.getString("from")).isEqualTo(CALLER);
    // The app registers after the push: the held INVITE goes to it as a new branch.
    Binding device = binding(number, "flow-a");
    onLoop(() -> {
      hooks.onNewBinding(device, List.of(call));
      return null;
    });
    assertThat(call.branches).containsExactly(device);
    // The device rings now: the hold time no longer ends the call (Timer C does, in the proxy).
    Thread.sleep(SHORT_HOLD.toMillis() + 700);
    assertThat(call.isFinished()).isFalse();
    assertThat(counter("held")).isEqualTo(1);
  }

  @Test
  void heldCallNobodyRegistersGets480AndCallCanceledPush() throws Exception {
    PushCallHooks hooks = hooks(SHORT_HOLD);
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = subscribe(number);
    FakeCall call = new FakeCall(number, invite(number));

    assertThat(onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(), call);
      return hooks.onNoContact(number, call.request(), call);
    })).isTrue();

    JsonObject incoming = inbox.await(phone, "call-incoming");
    assertThat(call.status()).isEqualTo(480);
    JsonObject canceled = inbox.await(phone, "call-canceled");
    assertThat(canceled.getString("from")).isEqualTo(CALLER);
    assertThat(inbox.lastTopic(phone, "call-canceled")).isEqualTo(inbox.lastTopic(phone, "call-incoming"))
        .isEqualTo(PushService.topicFor(call.request().callId(), number));
    assertThat(counter("missed")).isEqualTo(1);
    // The call is over: its notification's "Hang up" does nothing any more.
    assertThat(rejects.reject(incoming.getString("id"), null)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(hooks.trackedCalls()).isZero();
  }

  @Test
  void numberWithoutSubscriptionsIsNotHeld() throws Exception {
    PushCallHooks hooks = hooks(LONG_HOLD);
    String number = newNumber();
    FakeCall call = new FakeCall(number, invite(number));
    int pushesBefore = pushServer.requestCount();

    onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(), call);
      return hooks.onNoContact(number, call.request(), call);
    });

    // 480 as soon as the subscription lookup finds nothing, long before the 60 s hold.
    assertThat(call.status()).isEqualTo(480);
    assertThat(pushServer.requestCount()).isEqualTo(pushesBefore);
    assertThat(hooks.trackedCalls()).isZero();
  }

  @Test
  void rejectFromTheNotificationAnswers603AndTellsTheOtherDevices() throws Exception {
    PushCallHooks hooks = hooks(LONG_HOLD);
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = subscribe(number);
    FakeCall call = new FakeCall(number, invite(number));
    Binding laptop = binding(number, "flow-laptop");

    // A live contact (the laptop): relayed as usual by the proxy, and pushed anyway.
    onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(laptop), call);
      return null;
    });
    String token = inbox.await(phone, "call-incoming").getString("id");
    assertThat(token).isEqualTo(rejects.tokenFor(call.request().callId(), number));
    // The token is bound to the callee.
    assertThat(rejects.reject(token, "99910079999")).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);

    assertThat(rejects.reject(token, number)).isEqualTo(RejectRegistry.Outcome.REJECTED);

    assertThat(call.status()).isEqualTo(603);
    assertThat(call.reason).isEqualTo("Decline");
    assertThat(inbox.await(phone, "call-canceled").getString("from")).isEqualTo(CALLER);
    assertThat(inbox.lastTopic(phone, "call-canceled")).isEqualTo(inbox.lastTopic(phone, "call-incoming"));
    assertThat(counter("declined")).isEqualTo(1);
    assertThat(rejects.reject(token, number)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
  }

  @Test
  void callerCancelPushesCallCanceledWithTheSameTopicAndId() throws Exception {
    PushCallHooks hooks = hooks(SHORT_HOLD);
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = subscribe(number);
    PushServiceStandIn.Subscriber tablet = subscribe(number);
    FakeCall call = new FakeCall(number, invite(number));

    onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(), call);
      return hooks.onNoContact(number, call.request(), call);
    });
    JsonObject incoming = inbox.await(phone, "call-incoming");
    inbox.await(tablet, "call-incoming");

    // The caller hangs up: the proxy answers 487 itself and tells the hooks.
    onLoop(() -> {
      hooks.onCallAbandoned(number, call.request());
      call.respond(487, "Request Terminated");
      return null;
    });

    for (PushServiceStandIn.Subscriber device : List.of(phone, tablet)) {
      JsonObject canceled = inbox.await(device, "call-canceled");
      assertThat(canceled.getString("id")).isEqualTo(incoming.getString("id"));
      assertThat(inbox.lastTopic(device, "call-canceled")).isEqualTo(inbox.lastTopic(device, "call-incoming"));
    }
    assertThat(rejects.reject(incoming.getString("id"), number)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    // The hold timer was stopped with the call: the proxy's 487 stays the only answer.
    Thread.sleep(SHORT_HOLD.toMillis() + 500);
    assertThat(call.status()).isEqualTo(487);
    assertThat(hooks.trackedCalls()).isZero();
  }

  @Test
  void ringingCallGainsDevicesThatRegisterAndIsForgottenOnceAnswered() throws Exception {
    PushCallHooks hooks = hooks(LONG_HOLD);
    String number = newNumber();
    PushServiceStandIn.Subscriber phone = subscribe(number);
    FakeCall call = new FakeCall(number, invite(number));
    Binding laptop = binding(number, "flow-laptop");
    Binding phoneApp = binding(number, "flow-phone");

    onLoop(() -> {
      hooks.onCallToNumber(number, call.request(), List.of(laptop), call);
      return null;
    });
    String token = inbox.await(phone, "call-incoming").getString("id");
    onLoop(() -> {
      hooks.onNewBinding(phoneApp, List.of(call));
      return null;
    });
    assertThat(call.branches).containsExactly(phoneApp);

    call.respond(200, "OK"); // answered on a device: no hook, the sweep notices
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (hooks.trackedCalls() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(hooks.trackedCalls()).isZero();
    assertThat(rejects.reject(token, number)).isEqualTo(RejectRegistry.Outcome.NOT_FOUND);
    assertThat(counter("missed")).isZero();
  }

  // ------------------------------------------------------------------ support

  private double counter(String outcome) {
    return meters.counter("webphone.calls.push", "outcome", outcome).count();
  }

  private <T> T onLoop(Supplier<T> work) throws Exception {
    return onLoop(sipLoop, work);
  }

  /** Runs {@code work} on {@code loop} as the SIP proxy would, and waits for its result. */
  static <T> T onLoop(Context loop, Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.runOnContext(v -> {
      try {
        result.complete(work.get());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static String newNumber() throws Exception {
    String number = "999100" + NUMBERS.getAndIncrement();
    new SubscriberStore(database, "localhost").create(number, "password123", null).await(10, TimeUnit.SECONDS);
    return number;
  }

  private static PushServiceStandIn.Subscriber subscribe(String number) throws Exception {
    PushServiceStandIn.Subscriber browser = pushServer.subscribe();
    subscriptions.save(number, browser.subscription(), "test").await(10, TimeUnit.SECONDS);
    return browser;
  }

  static SipRequest invite(String number) {
    String callId = "held-" + CALL_IDS.incrementAndGet() + "@caller.example.org";
    return (SipRequest) SipMessageParser.parse("INVITE sip:" + number + "@localhost SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-" + CALL_IDS.get() + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Caller\" <sip:" + CALLER + "@localhost>;tag=c1\r\n"
        + "To: <sip:" + number + "@localhost>\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Contact: <sip:" + CALLER + "@127.0.0.1:5070>\r\n"
        + "Content-Length: 0\r\n\r\n");
  }

  static Binding binding(String number, String flowId) {
    long now = System.currentTimeMillis();
    return new Binding(number, SipUri.parse("sip:" + flowId + "@192.0.2.10:40000;transport=ws"), null, -1,
        "reg-" + flowId, 1, now + 600_000, flowId, Transport.WS, "192.0.2.10", 40000, "test", now, -1);
  }

  /** The proxy's response context, as far as the hooks see it. */
  static final class FakeCall implements CallHooks.PendingCall {
    private final String number;
    private final SipRequest request;
    final List<Binding> branches = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> response = new CompletableFuture<>();
    volatile String reason;

    FakeCall(String number, SipRequest request) {
      this.number = number;
      this.request = request;
    }

    @Override
    public String number() {
      return number;
    }

    @Override
    public SipRequest request() {
      return request;
    }

    @Override
    public boolean isFinished() {
      return response.isDone();
    }

    @Override
    public void addBranch(Binding binding) {
      if (!isFinished() && !branches.contains(binding)) {
        branches.add(binding);
      }
    }

    @Override
    public synchronized void respond(int status, String reason) {
      if (!isFinished()) {
        this.reason = reason;
        response.complete(status);
      }
    }

    /** The final status, waiting for it (bounded). */
    int status() throws Exception {
      return response.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** Pushes received by the stand-in, decrypted, picked by device and action whatever order they arrive in. */
  static final class PushInbox {
    private record Received(String subscriberId, String action, JsonObject data, String topic) {}

    private final PushServiceStandIn server;
    private final List<Received> received = new ArrayList<>();
    private final List<Received> taken = new ArrayList<>();

    PushInbox(PushServiceStandIn server) {
      this.server = server;
    }

    /** The data of the next push {@code action} to {@code device} (waits up to {@link #WAIT}). */
    synchronized JsonObject await(PushServiceStandIn.Subscriber device, String action) throws Exception {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        for (Iterator<Received> it = received.iterator(); it.hasNext(); ) {
          Received r = it.next();
          if (r.subscriberId().equals(device.id()) && r.action().equals(action)) {
            it.remove();
            taken.add(r);
            return r.data();
          }
        }
        long left = deadline - System.nanoTime();
        assertThat(left).as("push %s to %s", action, device.id()).isPositive();
        PushServiceStandIn.ReceivedPush push = server.awaitPush(Duration.ofNanos(left));
        if (push != null) {
          JsonObject data = new JsonObject(push.payloadText()).getJsonObject("notification").getJsonObject("data");
          received.add(new Received(push.subscriberId(), data.getString("action"), data, push.topic()));
        }
      }
    }

    /** The Topic header of the last taken push {@code action} to {@code device}. */
    synchronized String lastTopic(PushServiceStandIn.Subscriber device, String action) {
      for (int i = taken.size() - 1; i >= 0; i--) {
        Received r = taken.get(i);
        if (r.subscriberId().equals(device.id()) && r.action().equals(action)) {
          return r.topic();
        }
      }
      return null;
    }

    /** Pushes of {@code action} to {@code device} received so far and not taken. */
    synchronized int pending(PushServiceStandIn.Subscriber device, String action) throws Exception {
      PushServiceStandIn.ReceivedPush push;
      while ((push = server.awaitPush(Duration.ofMillis(1))) != null) {
        JsonObject data = new JsonObject(push.payloadText()).getJsonObject("notification").getJsonObject("data");
        received.add(new Received(push.subscriberId(), data.getString("action"), data, push.topic()));
      }
      return (int) received.stream()
          .filter(r -> r.subscriberId().equals(device.id()) && r.action().equals(action)).count();
    }
  }
}
