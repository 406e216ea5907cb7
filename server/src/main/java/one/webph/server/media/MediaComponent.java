package one.webph.server.media;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import one.webph.media.ng.NgClient;
import one.webph.media.relay.MediaControl;
import one.webph.media.relay.MediaRelay;
import one.webph.media.relay.RelayConfig;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.ConfigKeys;
import one.webph.server.sip.MediaAnchor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media relay (what RTPEngine did for the original stack): the in-process {@link MediaRelay} on MEDIA_PORTS,
 * or, when MEDIA_NG is set, an {@link NgClient} driving an external relay (our {@code RelayMain} or a real
 * rtpengine). Provides the SIP proxy's {@link MediaAnchor} (and the {@link RelayMediaAnchor} itself, for call
 * statistics and the end-of-media hook), so it must start before the SIP component.
 * Metrics: {@code webphone_media_sessions}, and {@code webphone_media_ports_in_use} and
 * {@code webphone_media_ports_idle} for the in-process relay.
 */
public final class MediaComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(MediaComponent.class);
  /** Longest wait for one relay operation; NG's own retries (3 x 1 s) fit well inside. */
  static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
  /** How often an NG relay is asked whether answered calls' sessions still exist. */
  static final Duration NG_POLL_INTERVAL = Duration.ofSeconds(5);

  private MediaRelay relay;
  private NgClient ngClient;
  private RelayMediaAnchor anchor;

  @Override
  public String name() {
    return "media";
  }

  @Override
  public void start(ServerContext context) throws Exception {
    if (!context.config().get(ConfigKeys.MEDIA_RELAY)) {
      // No anchor provided: the proxy passes SDP unchanged (MediaAnchor.PASS_THROUGH), as Kamailio without
      // rtpengine does. Browsers then cannot reach RTP phones (no DTLS-SRTP to RTP) nor peers behind NAT.
      log.warn("media relay off (MEDIA_RELAY=false): SDP passes unchanged; browsers cannot call RTP phones");
      return;
    }
    MediaSettings settings = MediaSettings.from(context.config());
    MediaControl control;
    if (settings.ngAddress() != null) {
      SocketAddress server = SocketAddress.inetSocketAddress(MediaConfigParsers.ngPort(settings.ngAddress()),
          MediaConfigParsers.ngHost(settings.ngAddress()));
      ngClient = new NgClient(context.vertx(), server);
      control = ngClient;
      // A relay that is down now may come up later: warn, do not refuse to start (calls get 503 meanwhile).
      ngClient.ping().onComplete(ar -> {
        if (ar.succeeded()) {
          log.info("media relay at {} (NG) answers", settings.ngAddress());
        } else {
          log.warn("media relay at {} (NG) does not answer yet: {}", settings.ngAddress(), ar.cause().getMessage());
        }
      });
    } else {
      // The relay itself ends a call whose media went silent (counted from the last packet or offer/answer; a
      // call still ringing gets the hold timeout) and reports it to the anchor, which tells the proxy.
      relay = new MediaRelay(context.vertx(), new RelayConfig()
          .portRange(settings.ports().first(), settings.ports().last())
          .bindHost(settings.bindHost())
          .inactivityTimeout(settings.inactivityTimeout())
          .holdInactivityTimeout(settings.holdTimeout())
          .dtlsThreads(settings.dtlsHandshakes())
          .endListener((callId, reason, finalStatistics) -> {
            RelayMediaAnchor a = anchor;
            if (a != null) {
              a.relayEnded(callId, reason, finalStatistics);
            }
          }));
      control = relay;
      log.info("media relay on UDP {} (bound to {}), advertised as {}", settings.ports(), settings.bindHost(),
          settings.advertisedAddress());
      if (settings.advertisedIsGuess()) {
        log.warn("PUBLIC_IP is unset and BIND_ADDRESS is {}: SDP advertises the media relay as 127.0.0.1, which "
            + "only local clients reach; set PUBLIC_IP", settings.bindHost());
      }
    }
    anchor = new RelayMediaAnchor(context.vertx(), control, settings.advertisedAddress(), OPERATION_TIMEOUT,
        NG_POLL_INTERVAL);
    if (ngClient != null) {
      anchor.start(); // an NG relay cannot report the sessions it ended: poll for them
    }
    context.provide(MediaAnchor.class, anchor);
    context.provide(RelayMediaAnchor.class, anchor);

    MeterRegistry registry = context.meterRegistry();
    MediaRelay inProcess = relay;
    RelayMediaAnchor tracked = anchor;
    Gauge.builder("webphone.media.sessions", () -> inProcess != null ? inProcess.sessionCount()
            : tracked.sessionCount())
        .description("Media sessions anchored in the relay").register(registry);
    if (inProcess != null) {
      Gauge.builder("webphone.media.ports.in.use", inProcess::portsInUse)
          .description("UDP ports of MEDIA_PORTS held by media sessions").register(registry);
      Gauge.builder("webphone.media.ports.idle", inProcess::portsIdle)
          .description("UDP ports of MEDIA_PORTS whose sockets stay open after their call, for later calls")
          .register(registry);
    }
  }

  /** The in-process relay (null with MEDIA_NG): tests, diagnostics. */
  public MediaRelay relay() {
    return relay;
  }

  public RelayMediaAnchor anchor() {
    return anchor;
  }

  @Override
  public void stop() throws Exception {
    if (anchor != null) {
      anchor.stop();
    }
    try {
      if (relay != null) {
        relay.shutdown().await(10, TimeUnit.SECONDS);
        log.info("media relay stopped");
      }
      if (ngClient != null) {
        ngClient.shutdown().await(5, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      log.warn("media relay did not stop cleanly: {}", e.toString());
    }
  }
}
