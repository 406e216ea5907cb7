package one.webph.server.web;

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

/**
 * HTTP Basic authentication of a number's own API calls (push subscriptions, reject, call history) with its SIP
 * credentials, sent only over TLS, checked against the stored HA1 = MD5(number:realm:password) in constant time,
 * so no password is stored.
 */
public final class SubscriberAuth {
  /** Password bytes hashed at most; real ones are 8-128 characters. */
  private static final int MAX_PASSWORD_LENGTH = 256;

  private final SubscriberStore subscribers;

  public SubscriberAuth(SubscriberStore subscribers) {
    this.subscribers = subscribers;
  }

  /** Basic credentials as sent. */
  public record BasicCredentials(String user, String password) {}

  /** The credentials of a Basic Authorization header; empty when it is missing, not Basic or malformed. */
  public static Optional<BasicCredentials> parseBasic(String header) {
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
  public Future<String> authenticate(RoutingContext ctx) {
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
  public static boolean passwordMatches(Subscriber subscriber, String password) {
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
