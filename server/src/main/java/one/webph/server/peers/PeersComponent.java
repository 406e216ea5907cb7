package one.webph.server.peers;

import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigKeys;
import one.webph.server.sip.LocationService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Community peers (issue 7): reads the PEER_* configuration (webphone.conf, environment, PEERS_FILE), makes sure
 * every registered gateway has its subscriber entry, provides {@link PeerRouting} to the SIP proxy (which starts
 * the probes), exports {@code webphone_peer_up{peer}} and serves {@code /status} and {@code /status.json}.
 * Starts before the SIP component.
 */
public final class PeersComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(PeersComponent.class);
  private PeerDirectory directory;

  @Override
  public String name() {
    return "peers";
  }

  @Override
  public void start(ServerContext context) throws Exception {
    Config config = context.config();
    List<Peer> peers = load(config);
    directory = new PeerDirectory(peers, context.vertx(),
        Duration.ofSeconds(config.get(ConfigKeys.PEER_PROBE_SECONDS)), Instant::now);
    for (Peer p : peers) {
      for (String prefix : p.prefixes()) {
        if (config.numberPrefixes().stream().anyMatch(own -> own.startsWith(prefix) || prefix.startsWith(own))) {
          log.warn("peer {}: prefix {} overlaps NUMBER_PREFIXES {}: such numbers go to the peer, not to local "
              + "subscribers", p.name(), prefix, config.numberPrefixes());
        }
      }
      if (p.kind() == Peer.Kind.REGISTERED) {
        ensureGatewaySubscriber(context, p);
      }
      Gauge.builder("webphone.peer.up", directory, d -> d.isUp(p.name()) ? 1 : 0).strongReference(true)
          .tag("peer", p.name()).description("1 while the community peer can take calls (a target answers probes, "
              + "or its gateway is registered)").register(context.meterRegistry());
      log.info("peer {} ({}): {} -> {}", p.name(), p.kind().name().toLowerCase(java.util.Locale.ROOT),
          describeMatch(p), p.kind() == Peer.Kind.REGISTERED ? "registration of " + p.number() : p.targets());
    }
    // the registrar starts after this component: look it up when asked
    directory.setRegistrationCheck(number -> context.service(LocationService.class)
        .map(location -> !location.lookup(number, System.currentTimeMillis()).isEmpty()).orElse(false));
    context.provide(PeerRouting.class, directory);
    context.provide(PeerDirectory.class, directory);
    StatusRoutes.mount(context.webServer().router(), directory, context.startedAt());
    if (!peers.isEmpty()) {
      log.info("{} community peer(s) configured; probing every {} s", peers.size(),
          config.get(ConfigKeys.PEER_PROBE_SECONDS));
    }
  }

  /** The peers from PEER_* keys and the PEERS_FILE (a name defined in both: the conf/environment value wins). */
  public static List<Peer> load(Config config) {
    Map<String, String> entries = new TreeMap<>();
    Optional.ofNullable(config.get(ConfigKeys.PEERS_FILE)).ifPresent(file -> {
      if (!java.nio.file.Files.isRegularFile(file)) {
        throw new ConfigException("PEERS_FILE", "no such file: " + file);
      }
      entries.putAll(PeersConfig.readFile(file));
    });
    entries.putAll(config.family(PeersConfig.PREFIX));
    return PeersConfig.parse(entries, config.get(ConfigKeys.CONFERENCE_PREFIX));
  }

  /** A registered gateway logs in like a user: its number must exist with the configured password. */
  private static void ensureGatewaySubscriber(ServerContext context, Peer p) throws Exception {
    var subscribers = context.subscribers();
    boolean created = subscribers.create(p.number(), p.numberPassword(), null).await(30, TimeUnit.SECONDS);
    if (!created) {
      subscribers.setPassword(p.number(), p.numberPassword()).await(30, TimeUnit.SECONDS);
    }
    log.info("peer {}: gateway registers as {} ({})", p.name(), p.number(), created ? "created" : "password set");
  }

  private static String describeMatch(Peer p) {
    StringBuilder out = new StringBuilder();
    p.prefixes().forEach(x -> out.append(out.length() == 0 ? "" : ",").append("prefix:").append(x));
    p.patterns().forEach(x -> out.append(out.length() == 0 ? "" : ",").append("regex:").append(x.pattern()));
    return out.length() == 0 ? "(;outbound=" + p.name() + " only)" : out.toString();
  }

  /** The live directory (after start). */
  public PeerDirectory directory() {
    return directory;
  }

  @Override
  public void stop() {
    if (directory != null) {
      directory.stop();
    }
  }
}
