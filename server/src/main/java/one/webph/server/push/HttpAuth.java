package one.webph.server.push;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.web.ApiException;
import one.webph.server.web.SubscriberAuth;

/**
 * HTTP authentication of the push API: the number's own credentials ({@link SubscriberAuth}, HTTP Basic) and the
 * administrator's bearer token for listing feedback.
 */
final class HttpAuth {
  private final SubscriberAuth basic;
  private final String realm;
  private final byte[] adminToken;

  /**
   * @param realm      the realm announced in WWW-Authenticate (DOMAIN)
   * @param adminToken ADMIN_TOKEN, or null when admin listing is disabled
   */
  HttpAuth(SubscriberStore subscribers, String realm, String adminToken) {
    this.basic = new SubscriberAuth(subscribers);
    this.realm = realm;
    this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
  }

  /** The authenticated number of the request, or a failed future with 401 (see {@link SubscriberAuth}). */
  Future<String> authenticate(RoutingContext ctx) {
    return basic.authenticate(ctx);
  }

  boolean adminEnabled() {
    return adminToken != null;
  }

  /**
   * Checks {@code Authorization: Bearer <ADMIN_TOKEN>}: 403 when no token is configured (listing disabled), 401
   * when the header is missing or wrong.
   */
  void requireAdmin(RoutingContext ctx) {
    if (adminToken == null) {
      throw new ApiException(403, "listing is disabled: set ADMIN_TOKEN and send it as 'Authorization: Bearer <token>'");
    }
    String header = ctx.request().getHeader("Authorization");
    String presented = null;
    if (header != null) {
      String value = header.strip();
      if (value.length() > 7 && value.substring(0, 7).equalsIgnoreCase("bearer ")) {
        presented = value.substring(7).strip();
      }
    }
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), adminToken)) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\"");
      throw new ApiException(401, "administrator token required");
    }
  }

  private <T> Future<T> unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
    return Future.failedFuture(new ApiException(401, message));
  }
}
