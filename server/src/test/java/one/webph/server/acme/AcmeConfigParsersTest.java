package one.webph.server.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcmeConfigParsersTest {
  @TempDir Path temp;

  @Test
  void directoryPresetsAndUrls() {
    assertThat(AcmeConfigParsers.directory("letsencrypt"))
        .isEqualTo(URI.create("https://acme-v02.api.letsencrypt.org/directory"));
    assertThat(AcmeConfigParsers.directory(" LetsEncrypt-Staging "))
        .isEqualTo(URI.create("https://acme-staging-v02.api.letsencrypt.org/directory"));
    assertThat(AcmeConfigParsers.directory("https://ca.example.org:14000/dir"))
        .isEqualTo(URI.create("https://ca.example.org:14000/dir"));
    assertThatThrownBy(() -> AcmeConfigParsers.directory("http://ca.example.org/dir"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://");
    assertThatThrownBy(() -> AcmeConfigParsers.directory("zerossl"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("letsencrypt-staging");
    assertThatThrownBy(() -> AcmeConfigParsers.directory("https://exa mple/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a URL");
  }

  @Test
  void domainsAreNormalisedAndCheckedForHttp01() {
    assertThat(AcmeConfigParsers.domains(" Phone.Example.org., www.example.org,,phone.example.org "))
        .containsExactly("phone.example.org", "www.example.org");
    assertThat(AcmeConfigParsers.domains("")).isEmpty();
    assertThatThrownBy(() -> AcmeConfigParsers.domains("*.example.org"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DNS-01");
    assertThatThrownBy(() -> AcmeConfigParsers.domains("192.0.2.1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IP address");
    assertThatThrownBy(() -> AcmeConfigParsers.domains("bad_name.example.org"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a valid DNS name");
  }

  @Test
  void emailAndBoolean() {
    assertThat(AcmeConfigParsers.email("mailto:admin@example.org")).isEqualTo("admin@example.org");
    assertThatThrownBy(() -> AcmeConfigParsers.email("admin")).isInstanceOf(IllegalArgumentException.class);
    assertThat(AcmeConfigParsers.bool("YES")).isTrue();
    assertThat(AcmeConfigParsers.bool("off")).isFalse();
    assertThatThrownBy(() -> AcmeConfigParsers.bool("maybe")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsPutDomainFirstAndDefaultToLetsEncrypt() {
    AcmeSettings settings = AcmeSettings.from(config(Map.of("DOMAIN", "phone.example.org",
        "ACME_DOMAINS", "www.example.org,phone.example.org")));
    assertThat(settings.domains()).containsExactly("phone.example.org", "www.example.org");
    assertThat(settings.directory()).isEqualTo(URI.create(AcmeConfigParsers.LETSENCRYPT));
    assertThat(settings.renewBefore()).isEqualTo(Duration.ofDays(30));
    assertThat(settings.email()).isEmpty();
    assertThat(settings.caCertificates()).isEmpty();
    assertThat(settings.storeDir()).isEqualTo(temp.resolve("acme"));
    assertThat(AcmeSettings.enabled(config(Map.of()))).isFalse();
    assertThat(AcmeSettings.enabled(config(Map.of("ACME_ENABLED", "true")))).isTrue();
  }

  @Test
  void badValuesNameTheKey() throws Exception {
    assertThatThrownBy(() -> config(Map.of("ACME_DIRECTORY", "ftp://x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ACME_DIRECTORY");
    assertThatThrownBy(() -> config(Map.of("ACME_RENEW_DAYS", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ACME_RENEW_DAYS");
    assertThatThrownBy(() -> config(Map.of("ACME_CA_CERTS", temp.resolve("missing.pem").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ACME_CA_CERTS");
    Path pem = Files.writeString(temp.resolve("ca.pem"), "x");
    assertThat(AcmeSettings.from(config(Map.of("ACME_CA_CERTS", pem.toString()))).caCertificates())
        .isEqualTo(Optional.of(pem));
  }

  @Test
  void retryDelayDoublesUpToSixHours() {
    AcmeSettings settings = new AcmeSettings(URI.create(AcmeConfigParsers.LETSENCRYPT), Optional.empty(),
        List.of("a.example.org"), Duration.ofDays(30), Duration.ofSeconds(60), Optional.empty(), temp);
    assertThat(settings.retryDelay(1)).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.retryDelay(2)).isEqualTo(Duration.ofSeconds(120));
    assertThat(settings.retryDelay(4)).isEqualTo(Duration.ofSeconds(480));
    assertThat(settings.retryDelay(9)).isEqualTo(Duration.ofSeconds(60L << 8));
    assertThat(settings.retryDelay(10)).isEqualTo(Duration.ofHours(6));
    assertThat(settings.retryDelay(10_000)).isEqualTo(Duration.ofHours(6));
  }

  private Config config(Map<String, String> values) {
    Map<String, String> all = new HashMap<>(values);
    all.put("DATA_DIR", temp.toString());
    return ConfigLoader.fromValues(all);
  }
}
