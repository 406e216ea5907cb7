package one.webph.server.sip;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.Config;
import one.webph.server.peers.PeerRouting;
import one.webph.sip.transaction.TimerConfig;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transaction.TransportSender;
import one.webph.sip.transaction.VertxTimerService;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportOptions;
import one.webph.sip.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP registrar and stateful proxy: listeners (UDP+TCP on SIP_PORT, TLS on SIPS_PORT, WebSocket on the web
 * ports through {@link one.webph.server.web.WebServer#onWebSocket} plus optional WS_PORT/WSS_PORT), the
 * location table (loaded from the database, kept in memory), digest authentication and flood protection.
 * Routing is in {@link SipService#route}.
 */
public final class SipComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(SipComponent.class);
  private static final Duration CREDENTIAL_TTL = Duration.ofSeconds(10);
  private static final long SWEEP_MILLIS = 5_000;
  /** Least time between two writes of changed UDP bindings (a crash loses at most this much; see LocationStore). */
  private static final long LOCATION_FLUSH_MILLIS = 1_000;

  private MediaAnchor media;
  private CallHooks hooks;
  private Vertx vertx;
  private Context core;
  private SipTransportLayer transport;
  private LocationService location;
  private FloodGuard flood;
  private SipService service;
  private CredentialCache credentials;
  private LocationStore store;
  private long sweepTimer = -1;

  /** The plain proxy: SDP untouched, 480 for numbers without contact. */
  public SipComponent() {
    this(MediaAnchor.PASS_THROUGH, CallHooks.DEFAULT);
  }

  /** With a media anchor (issue 4) and push hooks (issue 5). */
  public SipComponent(MediaAnchor media, CallHooks hooks) {
    this.media = media;
    this.hooks = hooks;
  }

  @Override
  public String name() {
    return "sip";
  }

  @Override
  public void start(ServerContext context) throws Exception {
    Config config = context.config();
    vertx = context.vertx();
    // provided by the media (issue 4) and push (issue 5) components when they started before this one
    context.service(MediaAnchor.class).ifPresent(this::setMediaAnchor);
    context.service(CallHooks.class).ifPresent(this::setCallHooks);
    // Media relay and push integration come from components started earlier, when present.
    media = context.service(MediaAnchor.class).orElse(media);
    hooks = context.service(CallHooks.class).orElse(hooks);
    // community peers (issue 7), provided by the peers component: their trusted networks skip flood protection
    PeerRouting peers = context.service(PeerRouting.class).orElse(PeerRouting.NONE);
    SipSettings settings = withTrusted(SipSettings.from(config), peers.trustedNetworks());
    LongSupplier clock = System::currentTimeMillis;
    SipMetrics metrics = new SipMetrics(context.meterRegistry());

    byte[] secret = ServerSecret.loadOrCreate(config.dataDir());
    NonceService nonces = new NonceService(secret, settings.domain(), settings.nonceLifetime(), clock);
    DigestAuthenticator authenticator = new DigestAuthenticator(settings.domain(), nonces, settings.digestAlgorithms());
    credentials = new CredentialCache(context.subscribers()::findSubscriber, CREDENTIAL_TTL, clock);
    flood = new FloodGuard(settings, clock, metrics::ban);

    location = new LocationService(settings);
    store = new LocationStore(context.database(), location, vertx, LOCATION_FLUSH_MILLIS);
    List<Binding> stored = store.loadBlocking(clock.getAsLong());
    location.load(stored, clock.getAsLong());
    location.onChange(store::persist);

    core = vertx.getOrCreateContext();
    SipTransportOptions options = transportOptions(config, settings);
    SipIngress ingress = new SipIngress(flood, metrics);
    transport = new SipTransportLayer(vertx, core, options, ingress);
    ingress.setTransport(transport);
    service = new SipService(vertx, settings, transport, new FlowTokens(secret), location, authenticator,
        credentials, delegatingMedia(), delegatingHooks(), metrics, clock);
    TransactionLayer transactions = new TransactionLayer(new TransportSender(transport), new VertxTimerService(core),
        service, TimerConfig.DEFAULT);
    ingress.setTransactions(transactions);
    service.setTransactions(transactions);
    context.service(CallObserver.class).ifPresent(service::setCallObserver); // call records (issue 7)
    service.setPeerRouting(peers);
    hooks.attach(service);
    // dead media ends the call: BYE to both sides, on the SIP event loop that owns the dialogs
    listenForMediaEnd(media);
    metrics.bindGauges(location::size, transactions::serverTransactionCount, transactions::clientTransactionCount,
        flood::bannedCount);

    String bind = config.bindAddress();
    SocketAddress udp = await(transport.listenUdp(bind, config.sipPort()));
    log.info("SIP UDP listening on {}:{}", bind, udp.port());
    SocketAddress tcp = await(transport.listenTcp(bind, config.sipPort() == 0 ? 0 : config.sipPort()));
    log.info("SIP TCP listening on {}:{}", bind, tcp.port());
    ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(context.tlsCertificates().keyCertOptions());
    SocketAddress tls = await(transport.listenTls(bind, config.sipsPort(), ssl));
    log.info("SIP TLS listening on {}:{}", bind, tls.port());
    if (config.wsPort().isPresent()) {
      SocketAddress ws = await(transport.listenWebSocket(bind, config.wsPort().getAsInt(), null));
      log.info("SIP WS  listening on {}:{}", bind, ws.port());
    }
    if (config.wssPort().isPresent()) {
      SocketAddress wss = await(transport.listenWebSocket(bind, config.wssPort().getAsInt(), ssl));
      log.info("SIP WSS listening on {}:{}", bind, wss.port());
    }
    context.tlsCertificates().onChange(certificates -> transport
        .updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(certificates.keyCertOptions()))
        .onFailure(e -> log.error("could not apply the new TLS certificate to SIP TLS/WSS", e)));
    context.webServer().onWebSocket(webSocket -> {
      if (!"sip".equals(webSocket.subProtocol())) {
        webSocket.close((short) 1002, "SIP sub-protocol required");
        return;
      }
      transport.adoptWebSocket(webSocket);
    });
    log.info("SIP over WebSocket accepted on the HTTP and HTTPS ports (sub-protocol sip, any path)");

    core.runOnContext(v -> sweepTimer = vertx.setPeriodic(SWEEP_MILLIS, id -> {
      location.sweep(clock.getAsLong());
      flood.sweep();
      service.sweep();
      store.retryPending(); // bindings whose write failed (database down) are written once it is back
    }));
    core.runOnContext(v -> peers.start(service::sendOptions)); // OPTIONS probes, sent on the SIP event loop
    context.provide(LocationService.class, location);
    context.provide(SipComponent.class, this);
    log.info("SIP registrar/proxy for {} ready ({} stored registration(s) restored; media: {}, hooks: {})",
        settings.domain(), stored.size(), media == MediaAnchor.PASS_THROUGH ? "pass-through" : "anchored",
        hooks == CallHooks.DEFAULT ? "default" : hooks.getClass().getSimpleName());
  }

  /** The settings with more trusted networks (exempt from flood protection like SIP_TRUSTED). */
  private static SipSettings withTrusted(SipSettings s, List<Cidr> more) {
    if (more.isEmpty()) {
      return s;
    }
    List<Cidr> trusted = new java.util.ArrayList<>(s.trusted());
    trusted.addAll(more);
    return new SipSettings(s.domain(), s.regMinExpires(), s.regMaxExpires(), s.regDefaultExpires(),
        s.inviteTimeout(), s.nonceLifetime(), s.floodLimit(), s.floodWindow(), s.floodBan(),
        s.floodExemptLoopback(), trusted, s.blockedUserAgents(), s.digestAlgorithms());
  }

  /** Margin over the longest registration before an idle TCP/TLS connection (and its bindings) is closed. */
  private static final int STREAM_IDLE_MARGIN_SECONDS = 60;

  static SipTransportOptions transportOptions(Config config, SipSettings settings) {
    String advertised = config.publicIp().orElse(null);
    String bind = config.bindAddress();
    if (advertised == null) {
      advertised = bind.equals("0.0.0.0") || bind.equals("::") ? config.domain() : bind;
    }
    SipTransportOptions options = new SipTransportOptions().setAdvertisedHost(advertised)
        .addLocalAlias(config.domain()).addLocalAlias(bind);
    config.publicIp().ifPresent(options::addLocalAlias);
    // A TCP/TLS phone without keep-alives (baresip, many desk phones) is silent until its refresh, up to
    // REG_MAX_EXPIRES: its connection, and the binding that dies with it, must outlive that. WebSocket keeps the
    // shorter timeout: browsers answer our pings, so only a dead one goes idle.
    options.setStreamIdleTimeoutSeconds(Math.max(options.idleTimeoutSeconds(),
        settings.regMaxExpires() + STREAM_IDLE_MARGIN_SECONDS));
    int ws = config.wsPort().orElse(config.httpPort());
    int wss = config.wssPort().orElse(config.httpsPort());
    if (ws > 0) {
      options.setAdvertisedPort(Transport.WS, ws);
    }
    if (wss > 0) {
      options.setAdvertisedPort(Transport.WSS, wss);
    }
    return options;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(30, TimeUnit.SECONDS);
  }

  /** Plugs in the media anchor (issue 4); calls already running keep going through the new one. */
  public void setMediaAnchor(MediaAnchor media) {
    this.media = java.util.Objects.requireNonNull(media);
    if (service != null) {
      listenForMediaEnd(media);
    }
  }

  /** Dead media ends the call: BYE to both sides, on the SIP event loop that owns the dialogs. */
  private void listenForMediaEnd(MediaAnchor anchor) {
    SipService sip = service;
    Context loop = core;
    anchor.onMediaEnded(callId -> loop.runOnContext(v -> sip.mediaEnded(callId)));
  }

  /** Plugs in the push / held-call hooks (issue 5). */
  public void setCallHooks(CallHooks hooks) {
    this.hooks = java.util.Objects.requireNonNull(hooks);
    if (service != null) {
      hooks.attach(service);
    }
  }

  private MediaAnchor delegatingMedia() {
    return new MediaAnchor() {
      @Override
      public Future<byte[]> offer(Leg leg, byte[] sdp) {
        return media.offer(leg, sdp);
      }

      @Override
      public Future<byte[]> answer(Leg leg, byte[] sdp) {
        return media.answer(leg, sdp);
      }

      @Override
      public void release(String callId) {
        media.release(callId);
      }
    };
  }

  private CallHooks delegatingHooks() {
    return new CallHooks() {
      @Override
      public void onCallToNumber(String number, one.webph.sip.message.SipRequest invite, List<Binding> bindings,
          PendingCall call) {
        hooks.onCallToNumber(number, invite, bindings, call);
      }

      @Override
      public boolean onNoContact(String number, one.webph.sip.message.SipRequest invite, PendingCall call) {
        return hooks.onNoContact(number, invite, call);
      }

      @Override
      public boolean onMessageNoContact(String number, one.webph.sip.message.SipRequest message,
          PendingCall request) {
        return hooks.onMessageNoContact(number, message, request);
      }

      @Override
      public void onNewBinding(Binding binding, List<PendingCall> ringing) {
        hooks.onNewBinding(binding, ringing);
      }

      @Override
      public void onCallAbandoned(String number, one.webph.sip.message.SipRequest invite) {
        hooks.onCallAbandoned(number, invite);
      }
    };
  }

  /** The location table (tests, diagnostics, the push integration). */
  public LocationService location() {
    return location;
  }

  /** The transport layer (actual ports, open connections). */
  public SipTransportLayer transport() {
    return transport;
  }

  public FloodGuard floodGuard() {
    return flood;
  }

  /** Forgets a cached password hash (call after a password change or account deletion). */
  public void invalidateCredentials(String number) {
    if (credentials != null) {
      credentials.invalidate(number);
    }
  }

  @Override
  public void stop() throws Exception {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    if (transport != null) {
      try {
        transport.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("SIP transport did not close cleanly: {}", e.toString());
      }
      log.info("SIP listeners closed");
    }
    if (store != null && !store.flushBlocking(10_000)) {
      log.warn("{} number(s) of UDP registrations could not be stored before stopping", store.pendingCount());
    }
  }
}
