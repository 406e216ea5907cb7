package one.webph.server.push;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import one.webph.server.numbers.Credentials;
import one.webph.server.numbers.Subscriber;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.web.ApiException;

/**
 * HTTP authentication of the push API: HTTP Basic with the number's own SIP credentials (only ever sent over TLS),
 * checked against the stored digest hash HA1 = MD5(number:realm:password) in constant time, so no password is
 * stored; and the administrator's bearer token for listing feedback.
 */
final class HttpAuth {
  /** Password bytes hashed at most; real ones are 8-128 characters. */
  private static final int MAX_PASSWORD_LENGTH = 256;

  private final SubscriberStore subscribers;
  private final String realm;
  private final byte[] adminToken;

  /**
   * @param realm      the realm announced in WWW-Authenticate (DOMAIN)
   * @param adminToken ADMIN_TOKEN, or null when admin listing is disabled
   */
  HttpAuth(SubscriberStore subscribers, String realm, String adminToken) {
    this.subscribers = subscribers;
    this.realm = realm;
    this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
  }

  /** Basic credentials as sent; empty when the header is missing or not Basic. */
  record BasicCredentials(String user, String password) {}

  static Optional<BasicCredentials> parseBasic(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    return Optional.of(new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
  }

  /**
   * The authenticated number of the request, or a failed future with a 401 {@link ApiException} (and the
   * {@code WWW-Authenticate} challenge set on the response) when credentials are missing or wrong.
   */
  Future<String> authenticate(RoutingContext ctx) {
    Optional<BasicCredentials> credentials = parseBasic(ctx.request().getHeader("Authorization"));
    if (credentials.isEmpty()) {
      return unauthorized(ctx, "authentication required: HTTP Basic with your number and password");
    }
    String number = credentials.get().user();
    String password = credentials.get().password();
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

  /** Compares hashes, not strings, in constant time: nothing about the stored HA1 leaks through timing. */
  static boolean passwordMatches(Subscriber subscriber, String password) {
    String computed = Credentials.ha1Md5(subscriber.number(), subscriber.domain(), password);
    return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
        subscriber.ha1().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
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
