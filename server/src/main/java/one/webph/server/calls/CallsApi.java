package one.webph.server.calls;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.web.ApiException;

/**
 * {@code GET /api/v1/me/calls?limit=&offset=}: the authenticated number's own calls (as caller or callee),
 * newest first, as the app reads them (pwa/src/lib/api.ts {@code ServerCall}):
 * {@code [{"callId","direction","peer","start","answer","end","durationSeconds","outcome","status"}]} with
 * ISO-8601 UTC times (answer/end null when there is none). Authentication is HTTP Basic with the number's SIP
 * credentials, checked against the stored HA1 like the push API.
 */
final class CallsApi {
  static final String PATH = "/api/v1/me/calls";
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  /** Password bytes hashed at most; real ones are 8-128 characters. */
  private static final int MAX_PASSWORD_LENGTH = 256;

  private final CallRecordStore store;
  private final SubscriberStore subscribers;

  CallsApi(CallRecordStore store, SubscriberStore subscribers) {
    this.store = store;
    this.subscribers = subscribers;
  }

  void mount(Router router) {
    router.get(PATH).handler(this::list);
  }

  private void list(RoutingContext ctx) {
    int limit;
    int offset;
    try {
      limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    authenticate(ctx)
        .compose(number -> store.forNumber(number, limit, offset).map(records -> toJson(number, records)))
        .onSuccess(json -> ctx.response().setStatusCode(200)
            .putHeader("Content-Type", "application/json")
            .putHeader("Cache-Control", "no-store")
            .end(json.encode()))
        .onFailure(ctx::fail);
  }

  static JsonArray toJson(String number, List<CallRecord> records) {
    JsonArray out = new JsonArray();
    for (CallRecord r : records) {
      boolean outgoing = number.equals(r.caller());
      out.add(new JsonObject()
          .put("callId", r.callId())
          .put("direction", outgoing ? "out" : "in")
          .put("peer", outgoing ? r.callee() : r.caller())
          .put("start", iso(r.startMillis()))
          .put("answer", iso(r.answerMillis()))
          .put("end", iso(r.endMillis()))
          .put("durationSeconds", r.durationSeconds())
          .put("outcome", r.outcome().jsonName())
          .put("status", r.status()));
    }
    return out;
  }

  private static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }

  private static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
    String value = ctx.request().getParam(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ApiException(400, "'" + name + "' must be a whole number from " + min
        + (max == Integer.MAX_VALUE ? "" : " to " + max));
  }

  /**
   * The number whose HTTP Basic credentials the request carries, or a failed future with 401 (and the
   * challenge set) when they are missing or wrong. Compares HA1 hashes in constant time.
   */
  private Future<String> authenticate(RoutingContext ctx) {
    String[] credentials = parseBasic(ctx.request().getHeader("Authorization"));
    if (credentials == null) {
      return unauthorized(ctx, "authentication required: HTTP Basic with your number and password");
    }
    String number = credentials[0];
    String password = credentials[1];
    try {
      SubscriberStore.validateNumber(number);
    } catch (IllegalArgumentException e) {
      return unauthorized(ctx, "wrong number or password");
    }
    if (password.length() > MAX_PASSWORD_LENGTH) {
      return unauthorized(ctx, "wrong number or password");
    }
    return subscribers.findSubscriber(number).compose(found -> {
      if (found.isPresent() && !found.get().disabled() && passwordMatches(found.get(), password)) {
        return Future.succeededFuture(number);
      }
      return unauthorized(ctx, "wrong number or password");
    });
  }

  /** {user, password} of a Basic Authorization header, or null when it is missing, not Basic or malformed. */
  static String[] parseBasic(String header) {
    if (header == null) {
      return null;
    }
    String value = header.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  private static boolean passwordMatches(Subscriber subscriber, String password) {
    if (subscriber.ha1() == null) {
      return false;
    }
    String computed = Credentials.ha1Md5(subscriber.number(), subscriber.domain(), password);
    return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
        subscriber.ha1().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }

  private Future<String> unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"" + subscribers.realm() + "\"");
    return Future.failedFuture(new ApiException(401, message));
  }
}
