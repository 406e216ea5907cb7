package one.webph.server.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import one.webph.sip.message.SipUri;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {
  private final Vertx vertx = Vertx.vertx();
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private PeerDirectory directory(Map<String, String> entries) {
    return new PeerDirectory(PeersConfig.parse(entries, "500"), vertx, Duration.ofSeconds(1), now::get);
  }

  private static Map<String, String> village() {
    Map<String, String> m = new HashMap<>(Map.of("PEER_VILLAGE_MATCH", "prefix:9992", "PEER_VILLAGE_TARGET",
        "10.0.0.5", "PEER_VILLAGE_FAILOVER", "tcp:10.0.0.6:5070", "PEER_VILLAGE_STRIP", "4", "PEER_VILLAGE_TRUSTED",
        "10.0.0.0/24"));
    m.putAll(Map.of("PEER_LONG_MATCH", "prefix:99920", "PEER_LONG_TARGET", "10.0.1.1", "PEER_RX_MATCH",
        "regex:^52[0-9]+$", "PEER_RX_TARGET", "10.0.2.1", "PEER_CONF_KIND", "conference", "PEER_CONF_TARGET",
        "10.0.3.1", "PEER_GW_KIND", "registered", "PEER_GW_MATCH", "777", "PEER_GW_NUMBER", "999300001",
        "PEER_GW_PASSWORD", "long-secret"));
    return m;
  }

  @Test
  void routesByLongestPrefixThenRegexAndRewrites() {
    PeerDirectory d = directory(village());
    // the failover target rides along for a failover within the call (its server answers 503 or times out)
    assertThat(d.outbound("99921234", null)).isEqualTo(new PeerRoute.Forward("village",
        SipUri.parse("sip:1234@10.0.0.5:5060"), SipUri.parse("sip:1234@10.0.0.6:5070;transport=tcp")));
    assertThat(((PeerRoute.Forward) d.outbound("99920555", null)).failoverUri()).as("no FAILOVER").isNull();
    assertThat(d.outbound("99920555", null).peer()).isEqualTo("long");
    assertThat(d.outbound("52123", null).peer()).isEqualTo("rx");
    assertThat(d.outbound("500123", null).peer()).isEqualTo("conf");
    assertThat(d.outbound("7771", null)).isEqualTo(new PeerRoute.ToGateway("gw", "999300001", "7771"));
    assertThat(d.outbound("99910012345", null)).isNull();
    // ;outbound=NAME picks the peer whatever the number
    assertThat(d.outbound("12345", "GW")).isEqualTo(new PeerRoute.ToGateway("gw", "999300001", "12345"));
    // nothing left after STRIP
    assertThat(d.outbound("9992", null)).isEqualTo(new PeerRoute.Refuse("village", 484, "Address Incomplete"));
    assertThat(d.trustedPeer("10.0.0.200")).isEqualTo("village");
    assertThat(d.trustedPeer("10.0.1.1")).isNull();
    assertThat(d.communityPrefixes()).containsExactlyInAnyOrder("9992", "99920", "777");
  }

  @Test
  void twoMissedProbesSwitchToTheFailoverAndThenRefuseWith503() {
    PeerDirectory d = directory(village());
    Peer village = d.byName("village");
    PeerDirectory.Link primary = link(d, "village", 0);
    PeerDirectory.Link failover = link(d, "village", 1);
    d.probed(village, primary, false, "no answer");
    assertThat(d.outbound("99921234", null)).isInstanceOf(PeerRoute.Forward.class)
        .extracting(PeerRoute::peer).isEqualTo("village");
    assertThat(((PeerRoute.Forward) d.outbound("99921234", null)).requestUri().host()).isEqualTo("10.0.0.5");
    now.set(now.get().plusSeconds(1));
    d.probed(village, primary, false, "no answer");
    assertThat(((PeerRoute.Forward) d.outbound("99921234", null)).requestUri())
        .isEqualTo(SipUri.parse("sip:1234@10.0.0.6:5070;transport=tcp"));
    // the primary is down: no second chance within the call
    assertThat(((PeerRoute.Forward) d.outbound("99921234", null)).failoverUri()).isNull();
    assertThat(d.isUp("village")).isTrue();
    d.probed(village, failover, false, "no answer");
    d.probed(village, failover, false, "no answer");
    assertThat(d.outbound("99921234", null)).isEqualTo(new PeerRoute.Refuse("village", 503, "village unreachable"));
    assertThat(d.isUp("village")).isFalse();
    PeerDirectory.PeerStatus status = d.status().stream().filter(s -> s.name().equals("village")).findFirst()
        .orElseThrow();
    assertThat(status.up()).isFalse();
    assertThat(status.since()).isEqualTo(now.get());
    assertThat(status.targets().get(0).since()).isEqualTo(now.get());
    // one answer brings a target back
    d.probed(village, primary, true, "answered 200");
    assertThat(((PeerRoute.Forward) d.outbound("99921234", null)).requestUri().host()).isEqualTo("10.0.0.5");
    assertThat(d.isUp("village")).isTrue();
  }

  @Test
  void probesSendOptionsAndCountAnswersAndSilence() throws Exception {
    PeerDirectory d = new PeerDirectory(PeersConfig.parse(Map.of("PEER_A_MATCH", "1", "PEER_A_TARGET",
        "10.0.0.1", "PEER_A_FAILOVER", "10.0.0.2", "PEER_GW_KIND", "registered", "PEER_GW_NUMBER", "42",
        "PEER_GW_PASSWORD", "long-secret"), "500"), vertx, Duration.ofMillis(300), Instant::now);
    List<String> probed = new ArrayList<>();
    d.setRegistrationCheck("42"::equals);
    CompletableFuture<Void> settled = new CompletableFuture<>();
    vertx.runOnContext(v -> d.start(uri -> {
      synchronized (probed) {
        probed.add(uri.toString());
      }
      // 10.0.0.1 never answers; 10.0.0.2 answers 404 (an answer all the same)
      return uri.host().equals("10.0.0.2") ? Future.succeededFuture(404) : Promise.<Integer>promise().future();
    }));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && (d.liveTarget(d.byName("a")) == null
        || d.liveTarget(d.byName("a")).host().equals("10.0.0.1"))) {
      Thread.sleep(50);
    }
    vertx.runOnContext(v -> {
      d.stop();
      settled.complete(null);
    });
    settled.get(5, TimeUnit.SECONDS);
    assertThat(d.liveTarget(d.byName("a"))).isEqualTo(new Peer.Target("udp", "10.0.0.2", 5060));
    synchronized (probed) {
      assertThat(probed).contains("sip:10.0.0.1:5060", "sip:10.0.0.2:5060");
    }
    assertThat(d.isUp("gw")).isTrue();
    assertThat(d.status().get(0).targets().get(0).detail()).isEqualTo("no answer to OPTIONS");
    assertThat(d.status().get(0).targets().get(1).detail()).isEqualTo("answered 404");
  }

  private static PeerDirectory.Link link(PeerDirectory d, String peer, int index) {
    return d.targetLinks(peer).get(index);
  }
}
