package one.webph.server;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.db.Database;
import one.webph.server.numbers.NumbersComponent;
import one.webph.server.sip.SipComponent;
import one.webph.server.tls.TlsCertificates;
import one.webph.server.web.HealthRoutes;
import one.webph.server.web.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Composes the server: configuration, database (migrated), TLS certificates, web router, then the components
 * (numbers, [sip], [media], [push]) in order, then the web listeners. Stops in reverse order.
 */
public final class ServerApp {
  private static final Logger log = LoggerFactory.getLogger(ServerApp.class);
  /** How long a stop waits for in-flight HTTP requests. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

  /**
   * The components, in start order. A new feature adds one class implementing {@link Component} and one line
   * here, e.g. {@code SipComponent::new} (SIP listeners: UDP/TCP SIP_PORT, TLS SIPS_PORT, WebSocket via
   * {@link WebServer#onWebSocket}), then media, then push.
   */
  static List<Supplier<Component>> components() {
    return List.of(
        one.webph.server.acme.AcmeComponent::new, // first: a stored ACME certificate is in place before TLS listeners
        NumbersComponent::new,
        one.webph.server.push.PushComponent::new, // before SIP: the proxy's push hooks use it
        one.webph.server.media.MediaComponent::new, // before SIP: the proxy anchors media through it
        one.webph.server.peers.PeersComponent::new, // before SIP: the proxy routes community numbers through it
        one.webph.server.calls.CallRecordsComponent::new, // before SIP: the proxy reports calls to it
        SipComponent::new
    );
  }

  private final Config config;
  private final List<Component> started = new ArrayList<>();
  private volatile boolean stopping;
  private Vertx vertx;
  private Database database;
  private WebServer webServer;
  private ServerContext context;
  private boolean stopped;

  public ServerApp(Config config) {
    this.config = config;
  }

  /** Creates and starts a server; blocks until it is ready or failed (then everything started is stopped). */
  public static ServerApp start(Config config) throws Exception {
    ServerApp app = new ServerApp(config);
    app.start();
    return app;
  }

  /** Starts everything; blocks until ready. Waits (retrying with backoff) while the database is unreachable. */
  public synchronized void start() throws Exception {
    Instant startedAt = Instant.now();
    try {
      try {
        Files.createDirectories(config.dataDir());
      } catch (IOException e) {
        throw new ConfigException("DATA_DIR", "cannot create " + config.dataDir() + ": " + e.getMessage());
      }
      for (String notice : config.notices()) {
        log.warn("config {}", notice);
      }
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new ClassLoaderMetrics().bindTo(registry);
      new JvmMemoryMetrics().bindTo(registry);
      new JvmGcMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);

      vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
      database = new Database(config, vertx, registry);
      database.migrateWithRetry(() -> stopping, Duration.ofSeconds(1), Duration.ofSeconds(30));
      log.info("database ready: {}", database.displayUrl());

      TlsCertificates tls = TlsCertificates.load(config);
      webServer = new WebServer(vertx, config, registry, tls);
      context = new ServerContext(vertx, config, database, registry, tls, webServer, startedAt);
      HealthRoutes.mount(webServer.router(), database, registry, startedAt, version());

      for (Supplier<Component> factory : components()) {
        Component component = factory.get();
        if (stopping) {
          throw new IllegalStateException("stopped during start");
        }
        component.start(context);
        started.add(component);
      }
      webServer.listen().await(30, TimeUnit.SECONDS);
      long sinceProcessStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
      log.info("webphone {} ready for {} in {} ms since process start (https://{}:{}/)", version(), config.domain(),
          sinceProcessStart, config.domain(), webServer.httpsPort());
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  public ServerContext context() {
    return context;
  }

  public Config config() {
    return config;
  }

  public int httpPort() {
    return webServer.httpPort();
  }

  public int httpsPort() {
    return webServer.httpsPort();
  }

  /**
   * Stops gracefully: web servers stop accepting and finish in-flight requests (up to 10 s), components stop in
   * reverse order, then the database pool closes (closing H2 cleanly) and Vert.x. Idempotent.
   */
  public void stop() {
    stopping = true;
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      if (webServer != null) {
        try {
          webServer.shutdown(SHUTDOWN_GRACE).await(SHUTDOWN_GRACE.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.warn("web server shutdown: {}", e.toString());
        }
      }
      for (int i = started.size() - 1; i >= 0; i--) {
        Component component = started.get(i);
        try {
          component.stop();
        } catch (Exception e) {
          log.warn("stopping {} failed: {}", component.name(), e.toString());
        }
      }
      started.clear();
      if (database != null) {
        database.close();
      }
      if (vertx != null) {
        try {
          vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.warn("closing Vert.x: {}", e.toString());
        }
      }
      log.info("webphone stopped");
    }
  }

  /** The version from the jar manifest, or "dev". */
  public static String version() {
    String version = ServerApp.class.getPackage().getImplementationVersion();
    return version != null ? version : "dev";
  }
}
