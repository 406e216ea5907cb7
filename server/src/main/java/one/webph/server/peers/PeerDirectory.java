package one.webph.server.peers;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import one.webph.server.sip.Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured community peers with their liveness: routes dialed numbers to them ({@link #outbound}), knows
 * their trusted networks, and probes static/conference targets with OPTIONS every PEER_PROBE_SECONDS. A target
 * that leaves two probes in a row unanswered is down (its peer's failover target takes over); one answer brings it
 * back. A registered gateway is up while its number has a registration. Thread-safe: routing and probing run on
 * the SIP event loop, /status and /metrics read from other threads.
 */
public final class PeerDirectory implements PeerRouting {
  private static final Logger log = LoggerFactory.getLogger(PeerDirectory.class);
  /** Unanswered probes in a row that mark a target down. */
  static final int MISSES_TO_DOWN = 2;
  private static final long MAX_PROBE_WAIT_MILLIS = 8_000;

  private final List<Peer> peers;
  private final Vertx vertx;
  private final Duration probeInterval;
  private final Supplier<Instant> clock;
  private final Map<String, Link> peerStates = new LinkedHashMap<>();
  private final Map<String, List<Link>> targetStates = new LinkedHashMap<>();
  private volatile Predicate<String> registered = number -> false;
  private long probeTimer = -1;

  /** Up/down state of a peer or of one of its targets, and since when. */
  static final class Link {
    final Peer.Target target;
    boolean up = true;
    boolean checked;
    int misses;
    boolean probing;
    Instant since;
    String detail = "not probed yet";

    Link(Peer.Target target, Instant since) {
      this.target = target;
      this.since = since;
    }
  }

  /** A target's state as shown by /status. */
  public record TargetStatus(String target, boolean up, boolean checked, Instant since, String detail) { }

  /** A peer's state as shown by /status. */
  public record PeerStatus(String name, Peer.Kind kind, boolean up, Instant since, List<String> prefixes,
      List<String> patterns, List<TargetStatus> targets, List<String> codecs, String detail) { }

  public PeerDirectory(List<Peer> peers, Vertx vertx, Duration probeInterval, Supplier<Instant> clock) {
    this.peers = List.copyOf(peers);
    this.vertx = vertx;
    this.probeInterval = probeInterval;
    this.clock = clock;
    Instant now = clock.get();
    for (Peer p : peers) {
      Link state = new Link(null, now);
      if (p.kind() == Peer.Kind.REGISTERED) {
        state.up = false;
        state.detail = "not registered";
      }
      peerStates.put(p.name(), state);
      List<Link> links = new ArrayList<>();
      for (Peer.Target t : p.targets()) {
        links.add(new Link(t, now));
      }
      targetStates.put(p.name(), links);
    }
  }

  public List<Peer> peers() {
    return peers;
  }

  /** How to tell whether a registered gateway's number has a registration (set when the registrar exists). */
  public void setRegistrationCheck(Predicate<String> hasRegistration) {
    this.registered = hasRegistration;
  }

  // ------------------------------------------------------------------ routing

  @Override
  public PeerRoute outbound(String number, String outbound) {
    if (number == null || number.isEmpty()) {
      return null;
    }
    Peer peer = outbound == null ? null : byName(outbound);
    if (peer == null) {
      peer = bestMatch(number);
    }
    if (peer == null) {
      return null;
    }
    String user = peer.rewrite(number);
    if (user == null) {
      return new PeerRoute.Refuse(peer.name(), 484, "Address Incomplete");
    }
    if (peer.kind() == Peer.Kind.REGISTERED) {
      return new PeerRoute.ToGateway(peer.name(), peer.number(), user);
    }
    Peer.Target target = liveTarget(peer);
    if (target == null) {
      return new PeerRoute.Refuse(peer.name(), 503, peer.name() + " unreachable");
    }
    Peer.Target failover = liveTargetAfter(peer, target);
    return new PeerRoute.Forward(peer.name(), target.uri(user), failover == null ? null : failover.uri(user));
  }

  /** The peer with the longest matching prefix; else the first (by name) whose regex matches. */
  Peer bestMatch(String number) {
    Peer best = null;
    int bestLength = -1;
    for (Peer p : peers) {
      int length = p.matchLength(number);
      if (length > bestLength) {
        best = p;
        bestLength = length;
      }
    }
    return best;
  }

  @Override
  public Credentials credentials(String peerName) {
    Peer peer = byName(peerName);
    return peer == null || peer.user() == null || peer.password() == null ? null
        : new Credentials(peer.user(), peer.password());
  }

  @Override
  public List<String> codecs(String peerName) {
    Peer peer = byName(peerName);
    return peer == null ? List.of() : peer.codecs();
  }

  Peer byName(String name) {
    for (Peer p : peers) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
    }
    return null;
  }

  /** The state of a peer's targets (tests). */
  synchronized List<Link> targetLinks(String peer) {
    return targetStates.get(peer);
  }

  /** The first target not marked down, or null when all are down. */
  synchronized Peer.Target liveTarget(Peer peer) {
    for (Link link : targetStates.get(peer.name())) {
      if (link.up) {
        return link.target;
      }
    }
    return null;
  }

  /** The first target after {@code chosen} not marked down, or null (the failover within a call). */
  synchronized Peer.Target liveTargetAfter(Peer peer, Peer.Target chosen) {
    boolean after = false;
    for (Link link : targetStates.get(peer.name())) {
      if (after && link.up) {
        return link.target;
      }
      after |= link.target.equals(chosen);
    }
    return null;
  }

  @Override
  public String trustedPeer(String sourceIp) {
    for (Peer p : peers) {
      if (p.trusts(sourceIp)) {
        return p.name();
      }
    }
    return null;
  }

  @Override
  public List<Cidr> trustedNetworks() {
    List<Cidr> out = new ArrayList<>();
    peers.forEach(p -> out.addAll(p.trusted()));
    return out;
  }

  /** Prefixes of every peer's numbers (for the app's dial rules), conference peers excluded. */
  public List<String> communityPrefixes() {
    List<String> out = new ArrayList<>();
    for (Peer p : peers) {
      if (p.kind() != Peer.Kind.CONFERENCE) {
        p.prefixes().stream().filter(x -> !out.contains(x)).forEach(out::add);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ probing

  @Override
  public void start(OptionsSender sender) {
    if (peers.isEmpty() || probeTimer >= 0) {
      return;
    }
    probeAll(sender);
    probeTimer = vertx.setPeriodic(probeInterval.toMillis(), id -> probeAll(sender));
  }

  /** Stops probing. */
  public void stop() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
  }

  /** One probe round: OPTIONS to every static/conference target, a registration check for gateways. */
  void probeAll(OptionsSender sender) {
    for (Peer p : peers) {
      if (p.kind() == Peer.Kind.REGISTERED) {
        boolean present = registered.test(p.number());
        synchronized (this) {
          Link state = peerStates.get(p.name());
          state.checked = true;
          if (state.up != present) {
            state.up = present;
            state.since = clock.get();
            log.info("peer {}: gateway {}", p.name(), present ? "registered" : "offline");
          }
          state.detail = present ? "registered" : "not registered";
        }
        continue;
      }
      for (Link link : targetStates.get(p.name())) {
        probe(p, link, sender);
      }
    }
  }

  private void probe(Peer peer, Link link, OptionsSender sender) {
    synchronized (this) {
      if (link.probing) {
        return; // the previous probe is still out: its own timeout counts it
      }
      link.probing = true;
    }
    long wait = Math.max(200, Math.min(MAX_PROBE_WAIT_MILLIS, probeInterval.toMillis() * 9 / 10));
    boolean[] settled = {false};
    long timer = vertx.setTimer(wait, id -> {
      if (!settled[0]) {
        settled[0] = true;
        probed(peer, link, false, "no answer to OPTIONS");
      }
    });
    io.vertx.core.Future<Integer> answer;
    try {
      answer = sender.sendOptions(link.target.uri(null));
    } catch (RuntimeException e) {
      answer = io.vertx.core.Future.failedFuture(e);
    }
    answer.onComplete(ar -> {
      if (settled[0]) {
        return;
      }
      settled[0] = true;
      vertx.cancelTimer(timer);
      // Any answer shows a live SIP server, except our own 408 (no answer) and 503 (could not send / overloaded).
      int status = ar.succeeded() ? ar.result() : 503;
      boolean alive = status != 408 && status != 503;
      probed(peer, link, alive, alive ? "answered " + status : status == 408 ? "no answer to OPTIONS"
          : "unreachable (" + status + ")");
    });
  }

  /** Records a probe's outcome; two misses in a row mark the target down, one answer marks it up. */
  synchronized void probed(Peer peer, Link link, boolean alive, String detail) {
    link.probing = false;
    link.checked = true;
    link.detail = detail;
    Instant now = clock.get();
    if (alive) {
      link.misses = 0;
      if (!link.up) {
        link.up = true;
        link.since = now;
        log.info("peer {}: target {} is up again ({})", peer.name(), link.target, detail);
      }
    } else {
      link.misses++;
      if (link.up && link.misses >= MISSES_TO_DOWN) {
        link.up = false;
        link.since = now;
        log.warn("peer {}: target {} is down ({} probes unanswered: {})", peer.name(), link.target, link.misses,
            detail);
      }
    }
    Link state = peerStates.get(peer.name());
    boolean anyUp = targetStates.get(peer.name()).stream().anyMatch(l -> l.up);
    state.checked = true;
    if (state.up != anyUp) {
      state.up = anyUp;
      state.since = now;
      if (!anyUp) {
        log.warn("peer {} is down: calls to it get 503 until a probe is answered", peer.name());
      }
    }
    state.detail = anyUp ? "reachable" : "all targets down";
  }

  // ------------------------------------------------------------------ status

  /** True while the peer can take calls (a live target, or a registered gateway). */
  public synchronized boolean isUp(String peer) {
    Link state = peerStates.get(peer);
    return state != null && state.up;
  }

  /** Every peer's state, in name order. */
  public synchronized List<PeerStatus> status() {
    List<PeerStatus> out = new ArrayList<>();
    for (Peer p : peers) {
      Link state = peerStates.get(p.name());
      List<TargetStatus> targets = new ArrayList<>();
      for (Link l : targetStates.get(p.name())) {
        targets.add(new TargetStatus(l.target.toString(), l.up, l.checked, l.since, l.detail));
      }
      out.add(new PeerStatus(p.name(), p.kind(), state.up, state.since, p.prefixes(),
          p.patterns().stream().map(java.util.regex.Pattern::pattern).toList(), targets, p.codecs(),
          state.detail));
    }
    return out;
  }
}
