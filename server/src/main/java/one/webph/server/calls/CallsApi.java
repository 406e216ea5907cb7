package one.webph.server.calls;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.web.ApiException;
import one.webph.server.web.SubscriberAuth;

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
  private final CallRecordStore store;
  private final SubscriberAuth auth;

  CallsApi(CallRecordStore store, SubscriberStore subscribers) {
    this.store = store;
    this.auth = new SubscriberAuth(subscribers);
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
    auth.authenticate(ctx)
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
}
