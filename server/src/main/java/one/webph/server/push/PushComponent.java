package one.webph.server.push;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigKeys;
import one.webph.server.sip.CallHooks;
import one.webph.webpush.Vapid;
import one.webph.webpush.VapidKeys;
import one.webph.webpush.WebPushSender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Web push: VAPID keys, the push sender, the subscriptions API and the original push server's endpoints, the
 * offline message store and the reject tokens. {@link #start} provides {@link PushCallHooks} (held calls, offline
 * messages) to the SIP component through {@link ServerContext#provide} as its {@link CallHooks}.
 */
public final class PushComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(PushComponent.class);
  static final String VAPID_FILE = "vapid.keys";
  private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
  private static final Duration TOKEN_PURGE_INTERVAL = Duration.ofMinutes(1);

  /**
   * Test hook: the trust the push sender uses instead of the JVM's default trust store (a test push service's
   * self-signed certificate). Production never sets it.
   */
  static volatile SSLContext senderTrustForTests;

  /** Where a started component is found by the rest of the server (the SIP proxy) through its Vert.x instance. */
  private static final String REGISTRY_MAP = "webphone.components";
  private static final String REGISTRY_KEY = "push";

  private record Registration(PushComponent component) implements Shareable {}

  private ServerContext context;
  private VapidKeys keys;
  private WebPushSender sender;
  private PushSubscriptionStore subscriptions;
  private OfflineMessageStore offlineMessages;
  private FeedbackStore feedback;
  private RejectRegistry rejects;
  private PushService pushService;
  private PushApi api;
  private PushCallHooks callHooks;
  private long purgeTimer = -1;
  private long tokenTimer = -1;

  @Override
  public String name() {
    return "push";
  }

  @Override
  public void start(ServerContext context) throws Exception {
    this.context = context;
    Config config = context.config();
    keys = loadKeys(config);
    sender = new WebPushSender(new Vapid(keys, config.pushContact()), senderTrustForTests);
    subscriptions = new PushSubscriptionStore(context.database());
    Duration messageTtl = Duration.ofDays(config.get(ConfigKeys.MESSAGE_TTL_DAYS));
    offlineMessages = new OfflineMessageStore(context.database(), messageTtl);
    feedback = new FeedbackStore(context.database());
    Duration hold = Duration.ofSeconds(config.pushHoldSeconds());
    // A reject token must work as long as the call can ring: the hold, then the INVITE timeout (Timer C).
    Integer inviteTimeout = config.get(ConfigKeys.INVITE_TIMEOUT_SECONDS);
    rejects = new RejectRegistry(hold.plusSeconds(inviteTimeout != null ? inviteTimeout : 120).plusSeconds(30));
    pushService = new PushService(context.vertx(), subscriptions, sender, rejects, context.meterRegistry(), hold,
        messageTtl);
    HttpAuth auth = new HttpAuth(context.subscribers(), config.domain(), config.get(ConfigKeys.ADMIN_TOKEN));
    Boolean compatSave = config.get(ConfigKeys.PUSH_COMPAT_UNAUTHENTICATED_SAVE);
    api = new PushApi(keys, subscriptions, feedback, rejects, context.subscribers(), auth, Boolean.TRUE.equals(compatSave));
    api.mount(context.webServer().router());
    // The SIP component (started after this one) takes these as its CallHooks and wires the MESSAGE sender
    // for stored messages with PushCallHooks.setMessageSender.
    callHooks = new PushCallHooks(context.vertx(), pushService, offlineMessages, hold, context.meterRegistry());
    context.provide(CallHooks.class, callHooks);
    context.provide(PushCallHooks.class, callHooks);

    purgeTimer = context.vertx().setPeriodic(1_000, PURGE_INTERVAL.toMillis(), id -> purgeExpiredMessages());
    tokenTimer = context.vertx().setPeriodic(TOKEN_PURGE_INTERVAL.toMillis(), id -> {
      rejects.purgeExpired();
      api.evictIdleRateLimits();
    });
    context.setPushEnabled(true);
    registry(context.vertx()).put(REGISTRY_KEY, new Registration(this));
    log.info("web push ready (VAPID key {}, contact {}, call hold {} s, messages kept {} days{})",
        keys.publicKeyBase64Url(), config.pushContact(), hold.toSeconds(), messageTtl.toDays(),
        Boolean.TRUE.equals(compatSave) ? ", unauthenticated /webpush/save ENABLED" : "");
  }

  @Override
  public void stop() {
    if (callHooks != null) {
      callHooks.close();
    }
    if (context != null) {
      registry(context.vertx()).remove(REGISTRY_KEY);
      context.setPushEnabled(false);
      if (purgeTimer >= 0) {
        context.vertx().cancelTimer(purgeTimer);
      }
      if (tokenTimer >= 0) {
        context.vertx().cancelTimer(tokenTimer);
      }
    }
    if (sender != null) {
      sender.close();
    }
  }

  /**
   * The started push component of the server running on {@code vertx}, if push is enabled: how the SIP proxy
   * reaches {@link #pushService()}, {@link #offlineMessages()} and {@link #rejects()} without a compile-time
   * wiring through ServerContext.
   */
  public static Optional<PushComponent> lookup(Vertx vertx) {
    Shareable registration = registry(vertx).get(REGISTRY_KEY);
    return registration instanceof Registration r ? Optional.of(r.component()) : Optional.empty();
  }

  private static LocalMap<String, Shareable> registry(Vertx vertx) {
    return vertx.sharedData().getLocalMap(REGISTRY_MAP);
  }

  /** Push notifications for calls and messages (the proxy's API). */
  public PushService pushService() {
    return requireStarted(pushService);
  }

  /** Stored MESSAGEs for offline numbers (the proxy stores, then reads and deletes them on registration). */
  public OfflineMessageStore offlineMessages() {
    return requireStarted(offlineMessages);
  }

  /** Reject tokens: the proxy registers its 603 listener with {@link RejectRegistry#onReject}. */
  public RejectRegistry rejects() {
    return requireStarted(rejects);
  }

  /** Held calls and offline messages: the SIP proxy's {@link CallHooks}. */
  public PushCallHooks callHooks() {
    return requireStarted(callHooks);
  }

  public PushSubscriptionStore subscriptions() {
    return requireStarted(subscriptions);
  }

  public VapidKeys vapidKeys() {
    return requireStarted(keys);
  }

  private static <T> T requireStarted(T value) {
    if (value == null) {
      throw new IllegalStateException("the push component has not started");
    }
    return value;
  }

  /** PUSH_PUBLIC/PUSH_PRIVATE when set (validated as a pair), else DATA_DIR/vapid.keys, created once. */
  static VapidKeys loadKeys(Config config) {
    if (config.pushPublic().isPresent() && config.pushPrivate().isPresent()) {
      try {
        return VapidKeys.fromBase64Url(config.pushPublic().get(), config.pushPrivate().get());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("PUSH_PRIVATE", e.getMessage());
      }
    }
    Path file = config.dataDir().resolve(VAPID_FILE);
    try {
      return VapidKeys.loadOrCreate(file);
    } catch (IOException e) {
      throw new ConfigException("DATA_DIR", "cannot read or create the VAPID key file " + file + ": " + e.getMessage());
    }
  }

  private void purgeExpiredMessages() {
    offlineMessages.purgeExpired()
        .onSuccess(count -> {
          if (count > 0) {
            log.info("purged {} expired offline message(s)", count);
          }
        })
        .onFailure(e -> log.warn("purging expired offline messages failed: {}", e.toString()));
  }
}
