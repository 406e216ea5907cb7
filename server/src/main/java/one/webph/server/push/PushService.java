package one.webph.server.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import one.webph.webpush.Base64Url;
import one.webph.webpush.PushMessage;
import one.webph.webpush.PushResult;
import one.webph.webpush.Urgency;
import one.webph.webpush.WebPushEncryption;
import one.webph.webpush.WebPushSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push notifications to a number's devices: the public API the SIP proxy calls. Each method looks up every
 * subscription of the number and sends one encrypted push to each; the returned future completes with how many
 * pushes were attempted (0 = the number has no subscription, so holding its call is pointless) as soon as they
 * are dispatched, without waiting for the push services. Outcomes are logged and counted in
 * {@code webphone_push_total{outcome}}; a subscription the push service reports gone is deleted. Never blocks the
 * caller; callable from any thread or event loop.
 *
 * <p>Payloads keep the original server's shape, {@code {"notification":{"title":"Webph.one","data":{...}}}}, with
 * {@code data.action} one of call-incoming, call-canceled, sms-incoming. The call {@code id} is a
 * {@link RejectRegistry} token, not the SIP Call-ID.
 */
public final class PushService {
  private static final Logger log = LoggerFactory.getLogger(PushService.class);
  static final String TITLE = "Webph.one";
  /** Caller identities longer than this are cut: they are shown in a notification, not parsed. */
  static final int MAX_FROM_LENGTH = 256;
  static final String ELLIPSIS = "\u2026";

  /** Dispatched pushes: how many, and their outcomes once every push service answered. */
  record Dispatch(int attempted, Future<List<PushResult>> results) {}

  private final Vertx vertx;
  private final PushSubscriptionStore subscriptions;
  private final WebPushSender sender;
  private final RejectRegistry rejects;
  private final long callTtlSeconds;
  private final long messageTtlSeconds;
  private final Map<PushResult.Outcome, Counter> outcomes = new EnumMap<>(PushResult.Outcome.class);

  /**
   * @param callTtl    TTL of call pushes (PUSH_HOLD_SECONDS: a call push is useless once the call stopped waiting)
   * @param messageTtl TTL of message pushes (MESSAGE_TTL_DAYS, capped at the push services' four weeks)
   */
  public PushService(Vertx vertx, PushSubscriptionStore subscriptions, WebPushSender sender, RejectRegistry rejects,
      MeterRegistry registry, Duration callTtl, Duration messageTtl) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
    this.sender = Objects.requireNonNull(sender, "sender");
    this.rejects = Objects.requireNonNull(rejects, "rejects");
    this.callTtlSeconds = callTtl.toSeconds();
    this.messageTtlSeconds = Math.min(messageTtl.toSeconds(), PushMessage.DEFAULT_TTL_SECONDS);
    for (PushResult.Outcome outcome : PushResult.Outcome.values()) {
      outcomes.put(outcome, Counter.builder("webphone.push")
          .description("Web push messages sent, by outcome")
          .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
  }

  /** The reject tokens handed out as call ids. */
  public RejectRegistry rejects() {
    return rejects;
  }

  /**
   * "call-incoming" to every device of {@code number}: Urgency high, TTL = PUSH_HOLD_SECONDS, and a Topic derived
   * from the call so the matching {@link #notifyCallCanceled} replaces it if still undelivered.
   *
   * @param from   the caller (number or URI) shown in the notification
   * @param callId the SIP Call-ID; the app receives a reject token bound to it and the callee instead
   */
  public Future<Integer> notifyCallIncoming(String number, String from, String callId) {
    return dispatchCall("call-incoming", number, from, callId).map(Dispatch::attempted);
  }

  /** "call-canceled" (the caller hung up while held or ringing): same id and Topic as the call-incoming push. */
  public Future<Integer> notifyCallCanceled(String number, String from, String callId) {
    return dispatchCall("call-canceled", number, from, callId).map(Dispatch::attempted);
  }

  /**
   * "sms-incoming" with the text (truncated with an ellipsis so the encrypted body fits 4 KB): Urgency high, TTL
   * MESSAGE_TTL_DAYS (at most four weeks).
   */
  public Future<Integer> notifySms(String number, String from, String text) {
    return dispatchSms(number, from, text).map(Dispatch::attempted);
  }

  Future<Dispatch> dispatchCall(String action, String number, String from, String callId) {
    PushMessage message;
    try {
      Objects.requireNonNull(callId, "callId");
      String token = rejects.tokenFor(callId, number);
      JsonObject data = new JsonObject().put("action", action).put("from", shorten(from)).put("id", token);
      message = PushMessage.of(wrap(data).encode())
          .withUrgency(Urgency.HIGH)
          .withTtlSeconds(callTtlSeconds)
          .withTopic(topicFor(callId, number));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return dispatch(action, number, message);
  }

  Future<Dispatch> dispatchSms(String number, String from, String text) {
    PushMessage message;
    try {
      message = PushMessage.of(smsPayload(shorten(from), text == null ? "" : text, UUID.randomUUID().toString()))
          .withUrgency(Urgency.HIGH)
          .withTtlSeconds(messageTtlSeconds);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return dispatch("sms-incoming", number, message);
  }

  /**
   * The sms-incoming payload with as much of {@code text} as fits one push message: whole code points only, and an
   * ellipsis marks a cut.
   */
  static byte[] smsPayload(String from, String text, String id) {
    byte[] full = smsJson(from, text, id, false);
    if (full.length <= WebPushEncryption.MAX_PLAINTEXT_LENGTH) {
      return full;
    }
    int[] codePoints = text.codePoints().toArray();
    int low = 0;
    int high = codePoints.length - 1;
    byte[] best = smsJson(from, "", id, true);
    if (best.length > WebPushEncryption.MAX_PLAINTEXT_LENGTH) {
      throw new IllegalArgumentException("sender too long for a push message");
    }
    // Binary search for the longest prefix whose JSON (with escapes) fits.
    while (low <= high) {
      int mid = (low + high) >>> 1;
      byte[] candidate = smsJson(from, new String(codePoints, 0, mid), id, true);
      if (candidate.length <= WebPushEncryption.MAX_PLAINTEXT_LENGTH) {
        best = candidate;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return best;
  }

  private static byte[] smsJson(String from, String text, String id, boolean truncated) {
    JsonObject data = new JsonObject().put("action", "sms-incoming").put("from", from)
        .put("content", truncated ? text + ELLIPSIS : text).put("id", id);
    if (truncated) {
      data.put("truncated", true);
    }
    return wrap(data).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject wrap(JsonObject data) {
    return new JsonObject().put("notification", new JsonObject().put("title", TITLE).put("data", data));
  }

  /**
   * RFC 8030 Topic for a call: 32 base64url characters of SHA-256(callee, Call-ID), so both pushes of one call
   * share it and nothing about the call can be read from it.
   */
  static String topicFor(String callId, String callee) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] hash = digest.digest((callee + "\n" + callId).getBytes(StandardCharsets.UTF_8));
      return Base64Url.encode(java.util.Arrays.copyOf(hash, 24));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
    }
  }

  private static String shorten(String from) {
    if (from == null || from.isBlank()) {
      return "?";
    }
    String cut = PushSubscriptionStore.truncate(from.strip(), MAX_FROM_LENGTH);
    return cut.length() < from.strip().length() ? cut + ELLIPSIS : cut;
  }

  private Future<Dispatch> dispatch(String kind, String number, PushMessage message) {
    Context context = vertx.getOrCreateContext();
    return subscriptions.forNumber(number).map(devices -> {
      if (devices.isEmpty()) {
        log.debug("push {} to {}: no subscription", kind, number); // every call to a number without push: not news
        return new Dispatch(0, Future.succeededFuture(List.of()));
      }
      log.info("push {} to {}: {} device(s)", kind, number, devices.size());
      List<Future<PushResult>> results = new ArrayList<>(devices.size());
      for (PushSubscriptionStore.StoredSubscription device : devices) {
        Future<PushResult> result = Future.fromCompletionStage(sender.send(device.subscription(), message), context)
            .compose(outcome -> afterSend(kind, number, device, outcome));
        results.add(result);
      }
      Future<List<PushResult>> all = Future.join(results).map(done -> {
        List<PushResult> list = new ArrayList<>(results.size());
        for (Future<PushResult> result : results) {
          list.add(result.result());
        }
        return list;
      });
      return new Dispatch(devices.size(), all);
    });
  }

  private Future<PushResult> afterSend(String kind, String number, PushSubscriptionStore.StoredSubscription device,
      PushResult result) {
    outcomes.get(result.outcome()).increment();
    if (!result.subscriptionGone()) {
      if (!result.delivered()) {
        log.warn("push {} to {} ({}) not delivered: {}", kind, number, device.subscription().origin(), result.detail());
      }
      return Future.succeededFuture(result);
    }
    return subscriptions.deleteById(device.id())
        .map(deleted -> {
          log.info("push subscription {} of {} ({}) is gone (HTTP {}); deleted", device.id(), number,
              device.subscription().origin(), result.statusCode());
          return result;
        })
        .recover(e -> {
          log.warn("could not delete gone push subscription {} of {}: {}", device.id(), number, e.toString());
          return Future.succeededFuture(result);
        });
  }
}
