package one.webph.server.web;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import one.webph.server.db.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns failures under /api into JSON errors {@code {"error": "..."}} with the right status. */
public final class ApiErrors {
  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  /** Sends a JSON body with the status (no caching of API answers). */
  public static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  public static void sendError(RoutingContext ctx, int status, String message) {
    sendJson(ctx, status, new JsonObject().put("error", message));
  }

  /** Maps an exception to status and message. */
  public static ApiException toApiException(Throwable failure) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof DecodeException) {
      return new ApiException(400, "malformed JSON");
    }
    if (failure != null && Database.isUnavailable(failure)) {
      return new ApiException(503, "database unavailable, try again shortly", 5);
    }
    return null;
  }

  /** Failure handler for /api routes. */
  public static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ApiException api = toApiException(failure);
    if (api == null) {
      int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
      if (status == 500) {
        log.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
      }
      api = new ApiException(status, status == 500 ? "internal error" : statusMessage(status));
    }
    if (api.retryAfterSeconds() >= 0) {
      ctx.response().putHeader("Retry-After", Long.toString(api.retryAfterSeconds()));
    }
    sendError(ctx, api.status(), api.getMessage());
  }

  static String statusMessage(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      case 415 -> "unsupported media type";
      default -> "error " + status;
    };
  }
}
