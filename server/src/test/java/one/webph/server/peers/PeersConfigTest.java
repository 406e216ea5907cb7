package one.webph.server.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeersConfigTest {
  @Test
  void parsesEveryField() {
    List<Peer> peers = PeersConfig.parse(Map.of(
        "PEER_SAN_JUAN_MATCH", "prefix:999200, regex:^52[0-9]{3,4}$, 505",
        "PEER_SAN_JUAN_TARGET", "udp:10.0.0.5:5070",
        "PEER_SAN_JUAN_FAILOVER", "tls:gw.example.org",
        "PEER_SAN_JUAN_STRIP", "6",
        "PEER_SAN_JUAN_PREPEND", "0",
        "PEER_SAN_JUAN_USER", "webphone",
        "PEER_SAN_JUAN_PASSWORD", "secret",
        "PEER_SAN_JUAN_TRUSTED", "10.0.0.0/24, 192.0.2.7",
        "PEER_SAN_JUAN_CODECS", "PCMU,GSM"), "500");
    assertThat(peers).hasSize(1);
    Peer p = peers.get(0);
    assertThat(p.name()).isEqualTo("san_juan");
    assertThat(p.kind()).isEqualTo(Peer.Kind.STATIC);
    assertThat(p.prefixes()).containsExactly("999200", "505");
    assertThat(p.patterns()).hasSize(1);
    assertThat(p.patterns().get(0).pattern()).isEqualTo("^52[0-9]{3,4}$"); // the comma inside {3,4} is kept
    assertThat(p.targets()).containsExactly(new Peer.Target("udp", "10.0.0.5", 5070),
        new Peer.Target("tls", "gw.example.org", 5061));
    assertThat(p.trusts("10.0.0.77")).isTrue();
    assertThat(p.trusts("192.0.2.7")).isTrue();
    assertThat(p.trusts("192.0.2.8")).isFalse();
    assertThat(p.codecs()).containsExactly("PCMU", "GSM");
    assertThat(p.user()).isEqualTo("webphone");
    assertThat(p.rewrite("99920012345")).isEqualTo("012345");
    assertThat(p.matchLength("99920012345")).isEqualTo(6);
    assertThat(p.matchLength("52123")).isZero();
    assertThat(p.matchLength("5212")).isEqualTo(-1);
    assertThat(p.targets().get(1).uri("0123").toString()).isEqualTo("sips:0123@gw.example.org:5061;transport=tls");
    assertThat(p.targets().get(0).uri(null).toString()).isEqualTo("sip:10.0.0.5:5070");
  }

  @Test
  void conferenceAndRegisteredPeers() {
    List<Peer> peers = PeersConfig.parse(Map.of("PEER_CONF_KIND", "conference", "PEER_CONF_TARGET", "10.0.0.9",
        "PEER_GW_KIND", "registered", "PEER_GW_NUMBER", "999300001", "PEER_GW_PASSWORD", "long-secret"), "500");
    assertThat(peers).extracting(Peer::name).containsExactly("conf", "gw");
    assertThat(peers.get(0).prefixes()).containsExactly("500");
    assertThat(peers.get(0).targets()).containsExactly(new Peer.Target("udp", "10.0.0.9", 5060));
    assertThat(peers.get(1).number()).isEqualTo("999300001");
    assertThat(peers.get(1).numberPassword()).isEqualTo("long-secret");
    assertThat(peers.get(1).password()).isNull(); // not outbound credentials
  }

  @Test
  void badEntriesNameTheKey() {
    assertBad(Map.of("PEER_X_MATCH", "999", "PEER_X_TARGET", "udp:10.0.0.1:99999"), "PEER_X_TARGET", "bad port");
    assertBad(Map.of("PEER_X_TARGET", "10.0.0.1"), "PEER_X_MATCH", "required");
    assertBad(Map.of("PEER_X_MATCH", "regex:[", "PEER_X_TARGET", "10.0.0.1"), "PEER_X_MATCH", "bad regex");
    assertBad(Map.of("PEER_X_MATCH", "abc", "PEER_X_TARGET", "10.0.0.1"), "PEER_X_MATCH", "neither");
    assertBad(Map.of("PEER_X_MATCH", "1", "PEER_X_TARGET", "10.0.0.1", "PEER_X_TRUSTED", "10.0.0/8"),
        "PEER_X_TRUSTED", "not an IP");
    assertBad(Map.of("PEER_X_MATCH", "1", "PEER_X_TARGET", "10.0.0.1", "PEER_X_COLOUR", "red"), "PEER_X_COLOUR",
        "unknown peer field");
    assertBad(Map.of("PEER_X_KIND", "registered", "PEER_X_NUMBER", "123"), "PEER_X_PASSWORD", "required");
    assertBad(Map.of("PEER_X_KIND", "gateway"), "PEER_X_KIND", "static, registered or conference");
    assertBad(Map.of("PEER_X_MATCH", "1", "PEER_X_TARGET", "10.0.0.1", "PEER_X_STRIP", "-1"), "PEER_X_STRIP",
        "0-32");
    assertBad(Map.of("PEER_X_MATCH", "1", "PEER_X_TARGET", "10.0.0.1", "PEER_X_USER", "u"), "PEER_X_PASSWORD",
        "together");
  }

  private static void assertBad(Map<String, String> entries, String key, String message) {
    assertThatThrownBy(() -> PeersConfig.parse(entries, "500")).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key)).hasMessageContaining(message);
  }

  @Test
  void peerKeysAreAcceptedByTheConfigLoaderWithoutWarnings(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("webphone.conf");
    Path peersFile = dir.resolve("peers");
    Files.writeString(peersFile, "# community networks\nPEER_B_MATCH=777\nPEER_B_TARGET=\"tcp:10.0.0.2\"\n");
    Files.writeString(conf, "DATA_DIR=" + dir + "\nPEER_A_MATCH=prefix:999200\nPEER_A_TARGET=10.0.0.1\n"
        + "PEER_PROBE_SECONDS=5\nPEERS_FILE=" + peersFile + "\n");
    Config config = ConfigLoader.load(Map.of("WEBPHONE_PEER_A_STRIP", "3"), conf);
    assertThat(config.notices()).isEmpty();
    assertThat(config.family("PEER_")).containsOnlyKeys("PEER_A_MATCH", "PEER_A_TARGET", "PEER_A_STRIP");
    List<Peer> peers = PeersComponent.load(config);
    assertThat(peers).extracting(Peer::name).containsExactly("a", "b");
    assertThat(peers.get(0).strip()).isEqualTo(3);
    assertThat(peers.get(1).targets().get(0)).isEqualTo(new Peer.Target("tcp", "10.0.0.2", 5060));
    // with() keeps the family entries
    assertThat(config.with(Map.of("LOG_LEVEL", "debug")).family("PEER_")).hasSize(3);
    assertThat(config.describe()).contains("PEER_A_TARGET=10.0.0.1");
  }
}
