package one.webph.server.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import one.webph.server.config.Config;
import one.webph.server.tls.TlsCertificates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and HTTPS servers and their one {@link Router}. Components mount routes on {@link #router()} during
 * their start; the servers listen once every component has started ({@link #listen()}), and the static app
 * files are the last route. The plain HTTP server redirects to HTTPS except /.well-known/ (ACME), /healthz and
 * /metrics. WebSocket upgrades (sub-protocol "sip") on either port and any path go to the handler registered
 * with {@link #onWebSocket}.
 */
public final class WebServer {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  /** JSON bodies of the API are small. */
  public static final int API_BODY_LIMIT = 64 * 1024;
  private static final Pattern SAFE_HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

  private final Vertx vertx;
  private final Config config;
  private final MeterRegistry registry;
  private final TlsCertificates tls;
  private final Router router;
  private volatile Handler<ServerWebSocket> webSocketHandler;
  /** Server instances per event loop, all on the same port. */
  private static final int INSTANCES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  private final List<HttpServer> httpServers = new CopyOnWriteArrayList<>();
  private final List<HttpServer> httpsServers = new CopyOnWriteArrayList<>();

  public WebServer(Vertx vertx, Config config, MeterRegistry registry, TlsCertificates tls) {
    this.vertx = vertx;
    this.config = config;
    this.registry = registry;
    this.tls = tls;
    this.router = Router.router(vertx);
    router.route().handler(this::measureAndSecure);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(API_BODY_LIMIT));
    router.route("/api/*").failureHandler(ApiErrors::handle);
  }

  /** The router shared by HTTPS and the exempt paths of HTTP; mount routes before {@link #listen()}. */
  public Router router() {
    return router;
  }

  /**
   * Accepts WebSocket upgrades on the HTTP and HTTPS ports (any path) and hands them to this handler (the SIP
   * transport). Without a handler, upgrades are refused with 404. The negotiated sub-protocol is "sip" when the
   * client offered it ({@link ServerWebSocket#subProtocol()}).
   */
  public void onWebSocket(Handler<ServerWebSocket> handler) {
    this.webSocketHandler = handler;
  }

  /** The current WebSocket handler (tests swap it and put it back). */
  Handler<ServerWebSocket> webSocketHandler() {
    return webSocketHandler;
  }

  /** Starts listening on HTTP_PORT and HTTPS_PORT (one log line each). Blocks until both are bound or failed. */
  public Future<Void> listen() {
    mountStaticFiles();
    router.errorHandler(404, ctx -> notFoundOrNotAllowed(ctx, 404));
    router.errorHandler(405, ctx -> notFoundOrNotAllowed(ctx, 405));
    router.errorHandler(500, ctx -> {
      if (ctx.request().path().startsWith("/api/")) {
        ApiErrors.handle(ctx);
      } else if (!ctx.response().ended()) {
        log.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
        ctx.response().setStatusCode(500).end("Internal Server Error");
      }
    });

    HttpServerOptions common = new HttpServerOptions()
        .setHost(config.bindAddress())
        .setCompressionSupported(true)
        .setWebSocketSubProtocols(List.of("sip"));
    HttpServerOptions plain = new HttpServerOptions(common).setPort(config.httpPort());
    HttpServerOptions secure = new HttpServerOptions(common).setPort(config.httpsPort())
        .setSsl(true)
        .setKeyCertOptions(tls.keyCertOptions());

    tls.onChange(certificates -> {
      for (HttpServer server : httpsServers) {
        server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(certificates.keyCertOptions()))
            .onFailure(e -> log.error("could not apply the new TLS certificate to HTTPS", e));
      }
    });
    return listenAll(plain, this::plainHttp, httpServers)
        .compose(port -> {
          log.info("HTTP  listening on {}:{} (redirects to HTTPS except /.well-known/, /healthz, /metrics)",
              config.bindAddress(), port);
          return listenAll(secure, router, httpsServers);
        })
        .map(port -> {
          log.info("HTTPS listening on {}:{} (app, API, SIP over WebSocket; certificate: {})", config.bindAddress(),
              port, tls.origin());
          return null;
        });
  }

  /**
   * Listens with one server instance per event loop on the same port (each in its own verticle, so Vert.x
   * balances connections between them): TLS handshakes and requests use every core. The first instance picks
   * the port when it is 0
   * (instances of one deployment share it).
   */
  private Future<Integer> listenAll(HttpServerOptions options, Handler<HttpServerRequest> handler,
      List<HttpServer> servers) {
    return vertx.deployVerticle(() -> new ListenerVerticle(options, handler, servers),
        new DeploymentOptions().setInstances(INSTANCES)).map(id -> servers.get(0).actualPort());
  }

  /** Owns one HTTP server instance on its event loop. */
  private final class ListenerVerticle extends VerticleBase {
    private final HttpServerOptions options;
    private final Handler<HttpServerRequest> handler;
    private final List<HttpServer> servers;

    ListenerVerticle(HttpServerOptions options, Handler<HttpServerRequest> handler, List<HttpServer> servers) {
      this.options = options;
      this.handler = handler;
      this.servers = servers;
    }

    @Override
    public Future<?> start() {
      HttpServer server = createServer(options, handler);
      return server.listen().onSuccess(servers::add);
    }
  }

  private HttpServer createServer(HttpServerOptions options, Handler<HttpServerRequest> handler) {
    return vertx.createHttpServer(options)
        .requestHandler(handler)
        .webSocketHandshakeHandler(this::handshake)
        .webSocketHandler(this::dispatchWebSocket);
  }

  /** The bound HTTP port (the configured one, or the chosen free port for 0). */
  public int httpPort() {
    return httpServers.isEmpty() ? config.httpPort() : httpServers.get(0).actualPort();
  }

  public int httpsPort() {
    return httpsServers.isEmpty() ? config.httpsPort() : httpsServers.get(0).actualPort();
  }

  /** Stops accepting connections and waits up to {@code grace} for in-flight requests to finish. */
  public Future<Void> shutdown(Duration grace) {
    List<Future<Void>> shutdowns = new ArrayList<>();
    for (HttpServer server : httpServers) {
      shutdowns.add(server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
    for (HttpServer server : httpsServers) {
      shutdowns.add(server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
    return Future.join(shutdowns).mapEmpty();
  }

  private void handshake(ServerWebSocketHandshake handshake) {
    if (webSocketHandler == null) {
      handshake.reject(404);
    } else {
      handshake.accept();
    }
  }

  private void dispatchWebSocket(ServerWebSocket webSocket) {
    Handler<ServerWebSocket> handler = webSocketHandler;
    if (handler == null) {
      webSocket.close((short) 1011, "no WebSocket service");
    } else {
      handler.handle(webSocket);
    }
  }

  /** Plain HTTP: serve the exempt paths, redirect everything else to HTTPS. */
  private void plainHttp(HttpServerRequest request) {
    String path = request.path() == null ? "/" : request.path();
    if (path.startsWith("/.well-known/") || path.equals("/healthz") || path.equals("/metrics")) {
      router.handle(request);
      return;
    }
    String host = config.domain();
    HostAndPort authority = request.authority();
    if (authority != null && authority.host() != null && SAFE_HOST.matcher(authority.host()).matches()) {
      host = authority.host();
    }
    int port = httpsPort();
    String target = "https://" + host + (port == 443 ? "" : ":" + port) + (path.startsWith("/") ? path : "/" + path)
        + (request.query() != null ? "?" + request.query() : "");
    boolean safeMethod = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
    registry.counter("webphone.http.redirects").increment();
    request.response()
        // 308 keeps the method and body of a POST; 301 is the most widely cached/understood for GET.
        .setStatusCode(safeMethod ? 301 : 308)
        .putHeader("Location", target)
        .putHeader("Content-Length", "0")
        .end();
  }

  /** First handler of every routed request: security headers and the request timer. */
  private void measureAndSecure(RoutingContext ctx) {
    long start = System.nanoTime();
    HttpServerRequest request = ctx.request();
    String path = request.path() == null ? "" : request.path();
    var headers = ctx.response().headers();
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Permissions-Policy", "microphone=(self), camera=(self), geolocation=()");
    headers.set("Content-Security-Policy", contentSecurityPolicy());
    if (request.isSSL()) {
      headers.set("Strict-Transport-Security", "max-age=31536000");
    }
    String kind = path.startsWith("/api/") ? "api"
        : path.startsWith("/cgi-bin/") ? "compat"
        : path.equals("/healthz") ? "health"
        : path.equals("/metrics") ? "metrics"
        : path.startsWith("/.well-known/") ? "well-known"
        : "static";
    ctx.addBodyEndHandler(v -> Timer.builder("http.server.requests")
        .description("HTTP requests served by the router")
        .tag("method", request.method().name())
        .tag("status", Integer.toString(ctx.response().getStatusCode()))
        .tag("kind", kind)
        .tag("scheme", request.isSSL() ? "https" : "http")
        .register(registry)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
    ctx.next();
  }

  private String contentSecurityPolicy() {
    int port = httpsPort();
    String wss = "wss://" + config.domain() + (port == 443 ? "" : ":" + port);
    return "default-src 'self'; connect-src 'self' " + wss + "; img-src 'self' data:; media-src 'self' blob:; "
        + "style-src 'self' 'unsafe-inline'; script-src 'self'; worker-src 'self'; manifest-src 'self'; "
        + "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";
  }

  private void mountStaticFiles() {
    String root = WebServer.class.getClassLoader().getResource("webroot/index.html") != null
        ? "webroot" : "webroot-placeholder";
    if (root.equals("webroot-placeholder")) {
      log.warn("the app is not packaged (no webroot/index.html on the classpath); serving a placeholder page");
    }
    StaticHandler files = StaticHandler.create(root).setIndexPage("index.html").setDirectoryListing(false)
        .setIncludeHidden(false).setSendVaryHeader(true);
    router.route().method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      String path = ctx.request().path();
      String cacheControl = cacheControl(path);
      ctx.addHeadersEndHandler(v -> {
        ctx.response().headers().set("Cache-Control", cacheControl);
        if (path.endsWith(".webmanifest")) {
          ctx.response().headers().set("Content-Type", "application/manifest+json"); // not in Vert.x's MIME table
        }
      });
      ctx.next();
    }).handler(files);
  }

  /**
   * Fingerprinted build output (/assets/) never changes under the same name; everything else (index.html, the
   * service worker, the manifest, icons) must be revalidated so an update reaches users.
   */
  static String cacheControl(String path) {
    return path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  }

  private void notFoundOrNotAllowed(RoutingContext ctx, int status) {
    if (ctx.request().path() != null && ctx.request().path().startsWith("/api/")) {
      ApiErrors.sendError(ctx, status, ApiErrors.statusMessage(status));
    } else if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end(status == 404 ? "Not Found\n" : "Method Not Allowed\n");
    }
  }
}
