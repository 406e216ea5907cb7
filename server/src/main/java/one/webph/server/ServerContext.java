package one.webph.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import one.webph.server.config.Config;
import one.webph.server.db.Database;
import one.webph.server.numbers.SubscriberStore;
import one.webph.server.tls.TlsCertificates;
import one.webph.server.web.WebServer;

/** What components share: Vert.x, configuration, storage, metrics, TLS and the web server. */
public final class ServerContext {
  private final Vertx vertx;
  private final Config config;
  private final Database database;
  private final SubscriberStore subscribers;
  private final PrometheusMeterRegistry meterRegistry;
  private final TlsCertificates tlsCertificates;
  private final WebServer webServer;
  private final Instant startedAt;
  private final AtomicBoolean pushEnabled = new AtomicBoolean();
  private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();

  ServerContext(Vertx vertx, Config config, Database database, PrometheusMeterRegistry meterRegistry,
      TlsCertificates tlsCertificates, WebServer webServer, Instant startedAt) {
    this.vertx = vertx;
    this.config = config;
    this.database = database;
    this.subscribers = new SubscriberStore(database, config.domain());
    this.meterRegistry = meterRegistry;
    this.tlsCertificates = tlsCertificates;
    this.webServer = webServer;
    this.startedAt = startedAt;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Config config() {
    return config;
  }

  public Database database() {
    return database;
  }

  /** The subscribers table (the SIP registrar uses {@link SubscriberStore#findSubscriber}). */
  public SubscriberStore subscribers() {
    return subscribers;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return meterRegistry;
  }

  public TlsCertificates tlsCertificates() {
    return tlsCertificates;
  }

  public WebServer webServer() {
    return webServer;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** Whether web push works (set by the push component); reported to the app by GET /api/v1/config. */
  public boolean pushEnabled() {
    return pushEnabled.get();
  }

  public void setPushEnabled(boolean enabled) {
    pushEnabled.set(enabled);
  }

  /**
   * Offers a service to components started later (e.g. the media component provides the SIP proxy's
   * {@code MediaAnchor}, the push component its {@code CallHooks}), so components stay decoupled.
   */
  public <T> void provide(Class<T> type, T service) {
    services.put(type, type.cast(service));
  }

  /** A service provided by an earlier component, if any. */
  public <T> Optional<T> service(Class<T> type) {
    return Optional.ofNullable(services.get(type)).map(type::cast);
  }
}
