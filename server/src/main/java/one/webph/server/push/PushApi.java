package one.webph.server.push;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.regex.Pattern;
import one.webph.server.numbers.RateLimiter;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.web.ApiErrors;
import one.webph.server.web.ApiException;
import one.webph.webpush.Subscription;
import one.webph.webpush.VapidKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push HTTP endpoints: the JSON API under /api/v1 (subscriptions authenticated with the number's own
 * credentials, call rejection) and the original push server's endpoints under /webpush/ for the original app.
 * The original's {@code POST /send} is not exposed: the SIP proxy runs in-process and calls {@link PushService}.
 */
final class PushApi {
  private static final Logger log = LoggerFactory.getLogger(PushApi.class);
  static final String COMPAT_PREFIX = "/webpush";
  /** Survey and feedback bodies are a rating and a comment. */
  static final int COMPAT_BODY_LIMIT = 16 * 1024;
  /** Unauthenticated survey/feedback posts per client IP per hour. */
  static final int FEEDBACK_RATE_LIMIT = 120;
  static final int MAX_ENDPOINT_LENGTH = 2048;
  private static final int DEFAULT_LIST_LIMIT = 1000;
  private static final int MAX_LIST_LIMIT = 10_000;
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,32}");

  private final VapidKeys keys;
  private final PushSubscriptionStore subscriptions;
  private final FeedbackStore feedback;
  private final RejectRegistry rejects;
  private final SubscriberStore subscribers;
  private final HttpAuth auth;
  private final boolean unauthenticatedSave;
  private final RateLimiter feedbackLimiter = new RateLimiter(FEEDBACK_RATE_LIMIT);

  PushApi(VapidKeys keys, PushSubscriptionStore subscriptions, FeedbackStore feedback, RejectRegistry rejects,
      SubscriberStore subscribers, HttpAuth auth, boolean unauthenticatedSave) {
    this.keys = keys;
    this.subscriptions = subscriptions;
    this.feedback = feedback;
    this.rejects = rejects;
    this.subscribers = subscribers;
    this.auth = auth;
    this.unauthenticatedSave = unauthenticatedSave;
  }

  void mount(Router router) {
    router.get("/api/v1/push/key").handler(this::publicKey);
    router.post("/api/v1/push/subscriptions").handler(this::subscribe);
    router.delete("/api/v1/push/subscriptions").handler(this::unsubscribe);
    router.post("/api/v1/calls/:id/reject").handler(this::rejectAuthenticated);

    router.route(COMPAT_PREFIX + "/*").handler(BodyHandler.create(false).setBodyLimit(COMPAT_BODY_LIMIT));
    router.route(COMPAT_PREFIX + "/*").failureHandler(ApiErrors::handle);
    router.get(COMPAT_PREFIX + "/publicKey").handler(this::publicKey);
    router.post(COMPAT_PREFIX + "/save").handler(this::compatSave);
    router.get(COMPAT_PREFIX + "/reject/:id").handler(this::rejectByToken);
    router.post(COMPAT_PREFIX + "/survey").handler(ctx -> storeFeedback(ctx, FeedbackStore.Kind.SURVEY));
    router.post(COMPAT_PREFIX + "/feedback").handler(ctx -> storeFeedback(ctx, FeedbackStore.Kind.FEEDBACK));
    router.get(COMPAT_PREFIX + "/survey").handler(ctx -> listFeedback(ctx, FeedbackStore.Kind.SURVEY));
    router.get(COMPAT_PREFIX + "/feedback").handler(ctx -> listFeedback(ctx, FeedbackStore.Kind.FEEDBACK));
  }

  /** Forgets the rate-limit state of clients idle for a while (called periodically). */
  void evictIdleRateLimits() {
    feedbackLimiter.evictIdle();
  }

  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  private void publicKey(RoutingContext ctx) {
    ApiErrors.sendJson(ctx, 200, new JsonObject().put("key", keys.publicKeyBase64Url()));
  }

  /** {@code {endpoint, keys:{p256dh, auth}}} ({@code PushSubscription.toJSON()}): 201 new, 200 already known. */
  private void subscribe(RoutingContext ctx) {
    auth.authenticate(ctx).compose(number -> {
      JsonObject body = jsonBody(ctx);
      requireOwnNumber(body, number);
      Object keysValue = body.getValue("keys");
      if (!(keysValue instanceof JsonObject keysObject)) {
        throw new ApiException(400, "'keys' must be an object with p256dh and auth");
      }
      Subscription subscription = subscription(stringField(body, "endpoint"), stringField(keysObject, "p256dh"),
          stringField(keysObject, "auth"));
      return subscriptions.save(number, subscription, ctx.request().getHeader("User-Agent"))
          .map(result -> {
            log.info("push subscription {} for {} ({})", result == PushSubscriptionStore.SaveResult.CREATED
                ? "created" : "updated", number, subscription.origin());
            ApiErrors.sendJson(ctx, result == PushSubscriptionStore.SaveResult.CREATED ? 201 : 200,
                new JsonObject().put("status", result == PushSubscriptionStore.SaveResult.CREATED ? "created" : "updated"));
            return null;
          });
    }).onFailure(ctx::fail);
  }

  /** {@code {endpoint}}: 204, also when it was not subscribed (the outcome the client wants holds). */
  private void unsubscribe(RoutingContext ctx) {
    auth.authenticate(ctx).compose(number -> {
      JsonObject body = jsonBody(ctx);
      requireOwnNumber(body, number);
      String endpoint = stringField(body, "endpoint");
      if (endpoint == null) {
        throw new ApiException(400, "'endpoint' is required");
      }
      return subscriptions.delete(number, endpoint).map(deleted -> {
        if (deleted) {
          log.info("push subscription of {} deleted by the app", number);
        }
        ctx.response().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
        return null;
      });
    }).onFailure(ctx::fail);
  }

  /** The callee rejects a call from its notification ("Hang up"): the token must be of a call to its number. */
  private void rejectAuthenticated(RoutingContext ctx) {
    auth.authenticate(ctx).onSuccess(number -> answerReject(ctx, rejects.reject(ctx.pathParam("id"), number)))
        .onFailure(ctx::fail);
  }

  /**
   * The original service worker's {@code GET /reject/:id}. The token alone authorises it: it is random, only sent
   * (encrypted) to the callee's devices, bound to that callee and call, and single-use.
   */
  private void rejectByToken(RoutingContext ctx) {
    answerReject(ctx, rejects.reject(ctx.pathParam("id"), null));
  }

  private static void answerReject(RoutingContext ctx, RejectRegistry.Outcome outcome) {
    if (outcome == RejectRegistry.Outcome.REJECTED) {
      ApiErrors.sendJson(ctx, 200, new JsonObject().put("status", "rejected"));
    } else {
      ctx.fail(new ApiException(404, "no such call: unknown, already answered or expired"));
    }
  }

  /**
   * The original {@code POST /save} {@code {user, endpoint, auth, p256dh}}. It carries no credential, so anyone
   * could redirect a number's pushes; accepted only when PUSH_COMPAT_UNAUTHENTICATED_SAVE=true.
   */
  private void compatSave(RoutingContext ctx) {
    if (!unauthenticatedSave) {
      ctx.fail(new ApiException(403, "unauthenticated subscription saving is disabled on this server: use "
          + "POST /api/v1/push/subscriptions with your number and password (HTTP Basic), or ask the operator to "
          + "set PUSH_COMPAT_UNAUTHENTICATED_SAVE=true"));
      return;
    }
    JsonObject body;
    String user;
    Subscription subscription;
    try {
      body = jsonBody(ctx);
      user = stringField(body, "user");
      if (user == null || !NUMBER.matcher(user).matches()) {
        throw new ApiException(400, "'user' must be a number");
      }
      subscription = subscription(stringField(body, "endpoint"), stringField(body, "p256dh"), stringField(body, "auth"));
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    subscribers.findSubscriber(user).compose(found -> {
      if (found.isEmpty()) {
        throw new ApiException(404, "no such user " + user);
      }
      return subscriptions.save(user, subscription, ctx.request().getHeader("User-Agent"));
    }).onSuccess(result -> {
      String status = result == PushSubscriptionStore.SaveResult.CREATED ? "created" : "updated";
      log.info("push subscription {} for {} via the unauthenticated compatibility endpoint", status, user);
      ApiErrors.sendJson(ctx, 200, new JsonObject().put("status", status));
    }).onFailure(ctx::fail);
  }

  private void storeFeedback(RoutingContext ctx, FeedbackStore.Kind kind) {
    Duration wait = feedbackLimiter.acquire(clientIp(ctx));
    if (!wait.isZero()) {
      ctx.fail(new ApiException(429, "too many posts from your address", Math.max(1, wait.toSeconds())));
      return;
    }
    JsonObject body;
    try {
      body = jsonBody(ctx);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    Object user = body.getValue("user");
    String number = user instanceof String text && NUMBER.matcher(text).matches() ? text : null;
    feedback.add(kind, number, body.encode())
        .onSuccess(id -> ApiErrors.sendJson(ctx, 201, new JsonObject().put("status", "stored").put("id", id)))
        .onFailure(ctx::fail);
  }

  private void listFeedback(RoutingContext ctx, FeedbackStore.Kind kind) {
    int limit;
    try {
      auth.requireAdmin(ctx);
      limit = limit(ctx.request().getParam("limit"));
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    feedback.list(kind, limit).onSuccess(entries -> {
      JsonArray list = new JsonArray();
      for (FeedbackStore.Entry entry : entries) {
        Object data;
        try {
          data = Json.decodeValue(entry.payload());
        } catch (DecodeException e) {
          data = entry.payload();
        }
        list.add(new JsonObject().put("id", entry.id()).put("kind", entry.kind().column())
            .put("number", entry.number()).put("createdAt", entry.createdAt().toString()).put("data", data));
      }
      ctx.response().setStatusCode(200).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store").end(list.encode());
    }).onFailure(ctx::fail);
  }

  private static int limit(String raw) {
    if (raw == null) {
      return DEFAULT_LIST_LIMIT;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value >= 1 && value <= MAX_LIST_LIMIT) {
        return value;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new ApiException(400, "limit must be 1 to " + MAX_LIST_LIMIT);
  }

  /** A subscription from request fields; 400 with the reason when it is invalid (e.g. not https). */
  private static Subscription subscription(String endpoint, String p256dh, String authSecret) {
    if (endpoint == null || p256dh == null || authSecret == null) {
      throw new ApiException(400, "endpoint, p256dh and auth are required");
    }
    if (endpoint.length() > MAX_ENDPOINT_LENGTH) {
      throw new ApiException(400, "endpoint longer than " + MAX_ENDPOINT_LENGTH + " characters");
    }
    try {
      return new Subscription(endpoint, p256dh, authSecret);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, e.getMessage());
    }
  }

  /** A body naming a number ("number" or the original "user") must name the authenticated one. */
  private static void requireOwnNumber(JsonObject body, String number) {
    for (String field : new String[] {"number", "user"}) {
      Object named = body.getValue(field);
      if (named != null && !number.equals(String.valueOf(named))) {
        throw new ApiException(403, "you can only manage the push subscriptions of your own number");
      }
    }
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw new ApiException(400, "a JSON object body is required");
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ApiException(400, "malformed JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw new ApiException(400, "the body must be a JSON object");
    }
    return object;
  }

  private static String stringField(JsonObject body, String name) {
    Object value = body.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new ApiException(400, "'" + name + "' must be a string");
    }
    return text.isEmpty() ? null : text;
  }

  /** The TCP peer address (this server is the edge; forwarded headers are spoofable). */
  private static String clientIp(RoutingContext ctx) {
    return ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().hostAddress();
  }
}
