package one.webph.server.numbers;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import one.webph.server.web.ApiErrors;
import one.webph.server.web.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Number allocation: {@code POST /api/v1/numbers}, the original CGI endpoint
 * {@code GET /cgi-bin/allocatenumber.py} (same JSON as the original script), and {@code GET /api/v1/config}
 * (what the app needs to know: domain, WebSocket URL, dial rules, push). Both allocation endpoints share a
 * per-client-IP rate limit.
 */
public final class NumbersComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(NumbersComponent.class);
  public static final String COMPAT_PATH = "/cgi-bin/allocatenumber.py";
  /** An address: something@something, without separators the original refused or that break SIP headers. */
  private static final Pattern EMAIL = Pattern.compile("[^@\\s;,<>\"]{1,64}@[^@\\s;,<>\"]{1,189}");

  private ServerContext context;
  private Config config;
  private NumberAllocator allocator;
  private RateLimiter rateLimiter;
  private long evictionTimer = -1;
  private MeterRegistry registry;

  @Override
  public String name() {
    return "numbers";
  }

  @Override
  public void start(ServerContext context) {
    this.context = context;
    this.config = context.config();
    this.registry = context.meterRegistry();
    this.allocator = new NumberAllocator(context.subscribers(), config.numberDigits(), new SecureRandom());
    this.rateLimiter = new RateLimiter(config.numberRateLimit());
    this.evictionTimer = context.vertx().setPeriodic(Duration.ofMinutes(10).toMillis(), id -> rateLimiter.evictIdle());
    Router router = context.webServer().router();
    router.post("/api/v1/numbers").handler(this::allocateJson);
    router.get(COMPAT_PATH).handler(this::allocateCompat);
    router.get("/api/v1/config").handler(this::clientConfig);
  }

  @Override
  public void stop() {
    if (evictionTimer >= 0) {
      context.vertx().cancelTimer(evictionTimer);
    }
  }

  private void allocateJson(RoutingContext ctx) {
    Duration wait = rateLimiter.acquire(clientIp(ctx.request()));
    if (!wait.isZero()) {
      failure("rate_limited");
      ctx.fail(new ApiException(429, "too many numbers requested from your address; try again in "
          + humanDuration(wait), retryAfterSeconds(wait)));
      return;
    }
    JsonObject body;
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      body = new JsonObject();
    } else {
      try {
        Object parsed = io.vertx.core.json.Json.decodeValue(text);
        if (!(parsed instanceof JsonObject object)) {
          throw new ApiException(400, "the body must be a JSON object");
        }
        body = object;
      } catch (io.vertx.core.json.DecodeException e) {
        failure("bad_request");
        ctx.fail(new ApiException(400, "malformed JSON"));
        return;
      } catch (ApiException e) {
        failure("bad_request");
        ctx.fail(e);
        return;
      }
    }
    String prefix;
    String email;
    try {
      prefix = stringField(body, "prefix");
      email = stringField(body, "email");
    } catch (ApiException e) {
      failure("bad_request");
      ctx.fail(e);
      return;
    }
    List<String> prefixes = config.numberPrefixes();
    if (prefix == null) {
      prefix = prefixes.get(0);
    } else if (!prefixes.contains(prefix)) {
      failure("bad_request");
      ctx.fail(new ApiException(400, "unknown prefix " + prefix + "; allowed: " + String.join(", ", prefixes)));
      return;
    }
    if (email != null && !EMAIL.matcher(email).matches()) {
      failure("bad_request");
      ctx.fail(new ApiException(400, "invalid email address"));
      return;
    }
    allocator.allocate(prefix, email).onComplete(result -> {
      if (result.succeeded()) {
        NumberAllocator.Allocation allocation = result.result();
        allocated("api");
        int httpsPort = context.webServer().httpsPort();
        ApiErrors.sendJson(ctx, 201, new JsonObject()
            .put("number", allocation.number())
            .put("password", allocation.password())
            .put("domain", allocation.domain())
            .put("sipUri", "sip:" + allocation.number() + "@" + allocation.domain())
            .put("wsUrl", config.wsUrl(httpsPort)));
      } else if (result.cause() instanceof NumberAllocator.PrefixFullException full) {
        failure("prefix_full");
        ctx.fail(new ApiException(409, full.getMessage() + "; choose another prefix"));
      } else {
        failure(Database.isUnavailable(result.cause()) ? "db_unavailable" : "error");
        ctx.fail(result.cause());
      }
    });
  }

  /** The original CGI script's behaviour and JSON, byte for byte (HTTP 200 with a status field). */
  private void allocateCompat(RoutingContext ctx) {
    Duration wait = rateLimiter.acquire(clientIp(ctx.request()));
    if (!wait.isZero()) {
      failure("rate_limited");
      ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds(wait)));
      compatError(ctx, 429, "too many numbers requested from your address, try again in " + humanDuration(wait));
      return;
    }
    List<String> prefixes = config.numberPrefixes();
    String prefix = ctx.request().getParam("prefix");
    String email = ctx.request().getParam("email_address");
    prefix = prefix == null ? prefixes.get(0) : prefix;
    email = email == null ? "" : email;
    if (email.contains(";")) {
      failure("bad_request");
      compatError(ctx, 200, "email address contains semicolon, not supported, sorry");
      return;
    }
    if (!prefixes.contains(prefix)) {
      failure("bad_request");
      compatError(ctx, 200, "wrong prefix, must be " + humanList(prefixes));
      return;
    }
    if (email.length() > 254 || email.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      failure("bad_request");
      compatError(ctx, 200, "could not create user, sorry");
      return;
    }
    String storedEmail = email.isEmpty() ? null : email;
    String shownEmail = email;
    allocator.allocate(prefix, storedEmail).onComplete(result -> {
      if (result.succeeded()) {
        allocated("compat");
        compatJson(ctx, 200, "{ \"status\" : \"ok\", \"msg\" : \"created user\", \"user\" : "
            + quote(result.result().number()) + ", \"pwd\" : " + quote(result.result().password())
            + ", \"email_address\" : " + quote(shownEmail) + " }");
      } else {
        boolean down = Database.isUnavailable(result.cause());
        failure(down ? "db_unavailable" : result.cause() instanceof NumberAllocator.PrefixFullException
            ? "prefix_full" : "error");
        if (!down && !(result.cause() instanceof NumberAllocator.PrefixFullException)) {
          log.error("number allocation failed", result.cause());
        }
        compatError(ctx, down ? 503 : 200, "could not create user, sorry");
      }
    });
  }

  private void clientConfig(RoutingContext ctx) {
    int httpsPort = context.webServer().httpsPort();
    ApiErrors.sendJson(ctx, 200, new JsonObject()
        .put("domain", config.domain())
        .put("wsUrl", config.wsUrl(httpsPort))
        .put("sipUri", "sip:" + config.domain())
        .put("dialRules", new JsonObject()
            .put("virtualPrefixes", new JsonArray(config.numberPrefixes()))
            .put("conferencePrefix", config.get(one.webph.server.config.ConfigKeys.CONFERENCE_PREFIX))
            .put("communityPrefixes", new JsonArray(context.service(one.webph.server.peers.PeerDirectory.class)
                .map(one.webph.server.peers.PeerDirectory::communityPrefixes).orElse(java.util.List.of()))))
        .put("push", new JsonObject().put("enabled", context.pushEnabled())));
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

  private void compatError(RoutingContext ctx, int status, String message) {
    compatJson(ctx, status, "{ \"status\" : \"err\", \"msg\" : " + quote(message) + " }");
  }

  private static void compatJson(RoutingContext ctx, int status, String json) {
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(json + "\n");
  }

  /** A JSON string literal. */
  private static String quote(String text) {
    return io.vertx.core.json.Json.encode(text);
  }

  /** "a, b or c", as the original script listed its prefixes. */
  static String humanList(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
  }

  /** The TCP peer address. Forwarded headers are ignored: this server is the edge, and they are spoofable. */
  static String clientIp(HttpServerRequest request) {
    return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
  }

  private static long retryAfterSeconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }

  private static String humanDuration(Duration wait) {
    long seconds = retryAfterSeconds(wait);
    return seconds < 120 ? seconds + " seconds" : (seconds + 59) / 60 + " minutes";
  }

  private void allocated(String endpoint) {
    Counter.builder("webphone.numbers.allocated").description("Numbers allocated")
        .tag("endpoint", endpoint).register(registry).increment();
  }

  private void failure(String reason) {
    Counter.builder("webphone.numbers.allocation.failures").description("Number allocation requests refused or failed")
        .tag("reason", reason).register(registry).increment();
  }
}
