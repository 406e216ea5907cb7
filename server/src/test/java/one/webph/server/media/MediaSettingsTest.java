package one.webph.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/** MEDIA_* keys: the NG address syntax, the advertised address rule and the timeouts. */
class MediaSettingsTest {
  private static MediaSettings settings(String... keyValues) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    return MediaSettings.from(ConfigLoader.fromValues(values));
  }

  @Test
  void ngAddressesAreHostPortOrBracketedIpv6() {
    assertThat(MediaConfigParsers.ngAddress(" Relay.Example.org:2223 ")).isEqualTo("relay.example.org:2223");
    assertThat(MediaConfigParsers.ngAddress("127.0.0.1:22222")).isEqualTo("127.0.0.1:22222");
    assertThat(MediaConfigParsers.ngAddress("[::1]:2223")).isEqualTo("[::1]:2223");
    assertThat(MediaConfigParsers.ngHost("[::1]:2223")).isEqualTo("::1");
    assertThat(MediaConfigParsers.ngPort("[::1]:2223")).isEqualTo(2223);
    assertThat(MediaConfigParsers.ngAddress("")).isNull();
    for (String bad : new String[] {"relay", "relay:", "relay:0", "relay:70000", "::1:2223", "[::1]2223", "re lay:1",
        "relay:abc", "[zz]:1"}) {
      assertThatThrownBy(() -> MediaConfigParsers.ngAddress(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void advertisedAddressIsPublicIpElseAConcreteBindAddressElseLoopback() {
    assertThat(settings("PUBLIC_IP", "203.0.113.5", "BIND_ADDRESS", "10.0.0.2").advertisedAddress())
        .isEqualTo("203.0.113.5");
    MediaSettings bound = settings("BIND_ADDRESS", "10.0.0.2");
    assertThat(bound.advertisedAddress()).isEqualTo("10.0.0.2");
    assertThat(bound.advertisedIsGuess()).isFalse();
    MediaSettings wildcard = settings();
    assertThat(wildcard.advertisedAddress()).isEqualTo("127.0.0.1");
    assertThat(wildcard.advertisedIsGuess()).isTrue();
    assertThat(wildcard.bindHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void timeoutsAndRelayChoiceComeFromTheirKeys() {
    MediaSettings defaults = settings();
    assertThat(defaults.inactivityTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.holdTimeout()).isEqualTo(Duration.ofSeconds(3600));
    assertThat(defaults.ngAddress()).isNull();
    MediaSettings set = settings("MEDIA_TIMEOUT_SECONDS", "30", "MEDIA_HOLD_TIMEOUT_SECONDS", "600",
        "MEDIA_NG", "127.0.0.1:2223");
    assertThat(set.inactivityTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(set.holdTimeout()).isEqualTo(Duration.ofSeconds(600));
    assertThat(set.ngAddress()).isEqualTo("127.0.0.1:2223");
    assertThatThrownBy(() -> settings("MEDIA_TIMEOUT_SECONDS", "0")).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> settings("MEDIA_PORTS", "500-600", "SIP_PORT", "5060"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("MEDIA_PORTS");
  }
}
