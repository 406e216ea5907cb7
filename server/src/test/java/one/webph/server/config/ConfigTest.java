package one.webph.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
  @TempDir Path dir;

  private Config load(Map<String, String> env) {
    return ConfigLoader.load(env, null);
  }

  private ConfigException failure(Map<String, String> env) {
    try {
      load(env);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a configuration error for " + env);
  }

  @Test
  void defaultsWithoutAnyConfiguration() {
    Config config = load(Map.of("WEBPHONE_DATA_DIR", dir.toString()));
    assertThat(config.domain()).isEqualTo("localhost");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.httpsPort()).isEqualTo(8443);
    assertThat(config.sipPort()).isEqualTo(5060);
    assertThat(config.sipsPort()).isEqualTo(5061);
    assertThat(config.wsPort()).isEmpty();
    assertThat(config.wssPort()).isEmpty();
    assertThat(config.numberPrefixes()).containsExactly("999100", "999200", "505051");
    assertThat(config.numberDigits()).isEqualTo(5);
    assertThat(config.numberRateLimit()).isEqualTo(10);
    assertThat(config.mediaPorts()).isEqualTo(new PortRange(30000, 31000));
    assertThat(config.pushHoldSeconds()).isEqualTo(30);
    assertThat(config.logLevel()).isEqualTo("info");
    assertThat(config.dbUrl()).isEqualTo("jdbc:h2:file:" + dir.resolve("webphone") + ";AUTO_SERVER=TRUE");
    assertThat(config.pushContact()).isEqualTo("mailto:webmaster@localhost");
    assertThat(config.tlsCert()).isEmpty();
    assertThat(config.notices()).isEmpty();
    assertThat(config.wsUrl(8443)).isEqualTo("wss://localhost:8443/");
    assertThat(config.wsUrl(443)).isEqualTo("wss://localhost/");
  }

  @Test
  void defaultDataDirIsDataUnderTheWorkingDirectory() {
    assertThat(load(Map.of()).dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
  }

  @Test
  void fileInDataDirIsReadAndEnvironmentWins() throws Exception {
    Files.writeString(dir.resolve("webphone.conf"), String.join("\n",
        "# comment", "", "DOMAIN=phone.example.org", "HTTP_PORT = 8081", "HTTPS_PORT=\"9443\"",
        "export NUMBER_DIGITS=6", "WEBPHONE_LOG_LEVEL=debug"));
    Config config = load(Map.of("WEBPHONE_DATA_DIR", dir.toString(), "WEBPHONE_HTTP_PORT", "8082"));
    assertThat(config.domain()).isEqualTo("phone.example.org");
    assertThat(config.httpPort()).isEqualTo(8082);
    assertThat(config.source(ConfigKeys.HTTP_PORT)).isEqualTo("environment WEBPHONE_HTTP_PORT");
    assertThat(config.httpsPort()).isEqualTo(9443);
    assertThat(config.source(ConfigKeys.HTTPS_PORT)).isEqualTo("webphone.conf:5");
    assertThat(config.numberDigits()).isEqualTo(6);
    assertThat(config.logLevel()).isEqualTo("debug");
    assertThat(config.file()).contains(dir.resolve("webphone.conf"));
  }

  @Test
  void explicitConfigFile() throws Exception {
    Path file = dir.resolve("other.conf");
    Files.writeString(file, "NUMBER_PREFIXES=111,222\n");
    Config config = ConfigLoader.load(Map.of(), file);
    assertThat(config.numberPrefixes()).containsExactly("111", "222");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), dir.resolve("missing.conf")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.conf");
  }

  @Test
  void legacyNamesAreAliasesWithOneNoticeEach() throws Exception {
    Path key = dir.resolve("k.pem");
    Path cert = dir.resolve("c.pem");
    one.webph.server.tls.TestCertificates.write(cert, key, "legacy.example.org");
    Files.writeString(dir.resolve("webphone.conf"), String.join("\n", "SIP_DOMAIN=legacy.example.org",
        "MY_WS_PORT=880", "PRIVATE_KEY_PATH=" + key, "CERTIFICATE_PATH=" + cert, "DEBUG_LEVEL=3",
        "PUSH_SECRET=s3cret"));
    Config config = load(Map.of("WEBPHONE_DATA_DIR", dir.toString(), "MY_WSS_PORT", "9443"));
    assertThat(config.domain()).isEqualTo("legacy.example.org");
    assertThat(config.wsPort()).hasValue(880);
    assertThat(config.wssPort()).hasValue(9443);
    assertThat(config.tlsKey()).contains(key);
    assertThat(config.tlsCert()).contains(cert);
    assertThat(config.logLevel()).isEqualTo("debug");
    assertThat(config.pushSecret()).contains("s3cret");
    assertThat(config.notices()).hasSize(6);
    assertThat(config.notices()).anySatisfy(n -> assertThat(n).contains("SIP_DOMAIN").contains("DOMAIN"));
    assertThat(config.notices()).anySatisfy(n -> assertThat(n).contains("MY_WSS_PORT").contains("WEBPHONE_WSS_PORT"));
  }

  @Test
  void bareLegacyEnvironmentNamesAndCanonicalPrecedence() {
    Config config = load(Map.of("WEBPHONE_DATA_DIR", dir.toString(), "MY_DOMAIN", "a.example.org",
        "DOMAIN", "b.example.org", "PUSH_SECRET", "x"));
    assertThat(config.domain()).isIn("a.example.org", "b.example.org");
    assertThat(config.pushSecret()).contains("x");
    Config canonical = load(Map.of("WEBPHONE_DATA_DIR", dir.toString(), "SIP_DOMAIN", "a.example.org",
        "WEBPHONE_DOMAIN", "c.example.org"));
    assertThat(canonical.domain()).isEqualTo("c.example.org");
  }

  @Test
  void unknownWebphoneVariableIsAWarningNamingIt() {
    Config config = load(Map.of("WEBPHONE_DATA_DIR", dir.toString(), "WEBPHONE_HTTP_PROT", "1"));
    assertThat(config.notices()).singleElement().asString().contains("WEBPHONE_HTTP_PROT").contains("unknown");
  }

  @Test
  void badValuesNameTheKeyAndTheProblem() {
    assertThat(failure(Map.of("WEBPHONE_HTTP_PORT", "70000")))
        .hasMessage("HTTP_PORT: 70000 is out of range 0-65535 (from environment WEBPHONE_HTTP_PORT)");
    assertThat(failure(Map.of("WEBPHONE_SIP_PORT", "abc")).key()).isEqualTo("SIP_PORT");
    assertThat(failure(Map.of("WEBPHONE_NUMBER_PREFIXES", "999100,12a")).getMessage())
        .startsWith("NUMBER_PREFIXES: '12a' is not a number prefix");
    assertThat(failure(Map.of("WEBPHONE_NUMBER_PREFIXES", "999,999100")).getMessage())
        .contains("999 is a prefix of 999100");
    assertThat(failure(Map.of("WEBPHONE_DB_URL", "jdbc:postgresql://x/y")).key()).isEqualTo("DB_URL");
    assertThat(failure(Map.of("WEBPHONE_DB_URL", "jdbc:mariadb://host")).getMessage())
        .contains("not a valid MariaDB URL");
    assertThat(failure(Map.of("WEBPHONE_DOMAIN", "bad_domain!")).key()).isEqualTo("DOMAIN");
    assertThat(failure(Map.of("WEBPHONE_DOMAIN", "")).getMessage()).contains("must not be empty");
    assertThat(failure(Map.of("WEBPHONE_MEDIA_PORTS", "31000-30000")).key()).isEqualTo("MEDIA_PORTS");
    assertThat(failure(Map.of("WEBPHONE_NUMBER_RATE_LIMIT", "-1")).key()).isEqualTo("NUMBER_RATE_LIMIT");
    assertThat(failure(Map.of("WEBPHONE_LOG_LEVEL", "loud")).key()).isEqualTo("LOG_LEVEL");
    assertThat(failure(Map.of("WEBPHONE_BIND_ADDRESS", "example.org")).key()).isEqualTo("BIND_ADDRESS");
    assertThat(failure(Map.of("WEBPHONE_PUSH_PUBLIC", "abc", "WEBPHONE_PUSH_PRIVATE", "abc")).key())
        .isEqualTo("PUSH_PUBLIC");
    assertThat(failure(Map.of("WEBPHONE_PUSH_CONTACT", "admin@example.org")).key()).isEqualTo("PUSH_CONTACT");
    assertThat(failure(Map.of("WEBPHONE_PUSH_HOLD_SECONDS", "0")).key()).isEqualTo("PUSH_HOLD_SECONDS");
    assertThat(failure(Map.of("WEBPHONE_WS_PORT", "0")).key()).isEqualTo("WS_PORT");
  }

  @Test
  void unreadableOrInvalidPemIsRefused() throws Exception {
    assertThat(failure(Map.of("WEBPHONE_TLS_CERT", dir.resolve("nope.pem").toString())).getMessage())
        .startsWith("TLS_CERT: cannot read certificate file");
    Path garbage = dir.resolve("garbage.pem");
    Files.writeString(garbage, "not a pem\n");
    assertThat(failure(Map.of("WEBPHONE_TLS_KEY", garbage.toString())).key()).isEqualTo("TLS_KEY");
  }

  @Test
  void combinationsAreChecked() throws Exception {
    Path key = dir.resolve("k.pem");
    Path cert = dir.resolve("c.pem");
    one.webph.server.tls.TestCertificates.write(cert, key, "localhost");
    assertThat(failure(Map.of("WEBPHONE_TLS_CERT", cert.toString())).getMessage())
        .isEqualTo("TLS_KEY: must be set together with TLS_CERT");
    assertThat(failure(Map.of("WEBPHONE_HTTPS_PORT", "5060")).getMessage())
        .isEqualTo("SIP_PORT: port 5060 is already used by HTTPS_PORT");
    assertThat(failure(Map.of("WEBPHONE_SIP_PORT", "30010")).key()).isEqualTo("MEDIA_PORTS");
    assertThat(failure(Map.of("WEBPHONE_MEDIA_RELAY", "false", "WEBPHONE_MEDIA_NG", "127.0.0.1:2223")).getMessage())
        .isEqualTo("MEDIA_NG: is set but MEDIA_RELAY is false (no relay to drive)");
    assertThat(failure(Map.of("WEBPHONE_MEDIA_RELAY", "sometimes")).key()).isEqualTo("MEDIA_RELAY");
    // A WSS_PORT equal to HTTPS_PORT (the original's 8443) is simply served there: no extra listener.
    Config same = load(Map.of("WEBPHONE_WSS_PORT", "8443"));
    assertThat(same.wssPort()).isEmpty();
  }

  @Test
  void kamailioDebugLevelsMap() {
    assertThat(Parsers.logLevel("-1")).isEqualTo("error");
    assertThat(Parsers.logLevel("0")).isEqualTo("warn");
    assertThat(Parsers.logLevel("2")).isEqualTo("info");
    assertThat(Parsers.logLevel("3")).isEqualTo("debug");
    assertThat(Parsers.logLevel("WARNING")).isEqualTo("warn");
  }

  @Test
  void mysqlSchemeIsRewrittenForTheMariaDbDriver() {
    Config config = load(Map.of("WEBPHONE_DB_URL", "jdbc:mysql://127.0.0.1:3306/webphone"));
    assertThat(config.dbUrl()).isEqualTo("jdbc:mariadb://127.0.0.1:3306/webphone");
  }

  @Test
  void withReplacesKeys() {
    Config config = ConfigLoader.fromValues(Map.of("DOMAIN", "a.example.org"));
    Config changed = config.with(Map.of("HTTP_PORT", "0"));
    assertThat(changed.domain()).isEqualTo("a.example.org");
    assertThat(changed.httpPort()).isZero();
  }

  @Test
  void describeMasksSecrets() {
    Config config = ConfigLoader.fromValues(Map.of("DB_PASSWORD", "hunter2", "PUSH_SECRET", "topsecret"));
    assertThat(config.describe()).doesNotContain("hunter2").doesNotContain("topsecret")
        .contains("DB_PASSWORD=********");
    assertThat(List.copyOf(ConfigKeys.all())).extracting(ConfigKey::name).doesNotHaveDuplicates();
  }
}
