package one.webph.server.acme;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves HTTP-01 key authorizations at {@code /.well-known/acme-challenge/<token>} (RFC 8555 section 8.3). The
 * ACME thread publishes a token before triggering the challenge and withdraws it afterwards; the route runs on
 * the event loop and only reads the map.
 */
public final class Http01Responder {
  public static final String PATH_PREFIX = "/.well-known/acme-challenge/";
  /** RFC 8555 section 8.3: the token is base64url (no padding); anything else is not ours. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

  private final Map<String, String> keyAuthorizations = new ConcurrentHashMap<>();

  /** Mounts the GET route on the shared router (reachable over plain HTTP without redirect). */
  public void mount(Router router) {
    router.get(PATH_PREFIX + ":token").handler(this::handle);
  }

  public void publish(String token, String keyAuthorization) {
    keyAuthorizations.put(token, keyAuthorization);
  }

  public void withdraw(String token) {
    keyAuthorizations.remove(token);
  }

  /** The number of tokens currently published. */
  public int size() {
    return keyAuthorizations.size();
  }

  private void handle(RoutingContext ctx) {
    String token = ctx.pathParam("token");
    String keyAuthorization = token != null && TOKEN.matcher(token).matches() ? keyAuthorizations.get(token) : null;
    if (keyAuthorization == null) {
      ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8").end("Not Found\n");
      return;
    }
    // The body is exactly the key authorization; validators compare it after trimming whitespace only.
    ctx.response().putHeader("Content-Type", "application/octet-stream").putHeader("Cache-Control", "no-store")
        .end(keyAuthorization);
  }
}
