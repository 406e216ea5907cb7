package one.webph.server.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import one.webph.server.Main;
import one.webph.server.numbers.Subscriber;
import one.webph.server.sip.DigestAlgorithm;
import one.webph.server.sip.DigestAuthenticator;
import one.webph.server.sip.NonceService;
import one.webph.server.testing.TestDatabase;
import one.webph.sip.message.AuthHeader;

/** Command-line runs in process, config files, and a digest login as a SIP client performs it. */
final class MigrationTestSupport {
  private MigrationTestSupport() {}

  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  /** A webphone.conf selecting the test database, DOMAIN and DATA_DIR (plus extra lines). */
  static Path writeConfig(Path dir, Map<String, String> database, String domain, Path dataDir, String... extra)
      throws IOException {
    List<String> lines = new ArrayList<>();
    database.forEach((key, value) -> lines.add(key + "=" + value));
    lines.add("DOMAIN=" + domain);
    lines.add("DATA_DIR=" + dataDir);
    lines.addAll(List.of(extra));
    Path file = dir.resolve("webphone-" + System.nanoTime() + ".conf");
    Files.writeString(file, lines.stream().collect(Collectors.joining("\n", "", "\n")));
    return file;
  }

  /** Creates {@code name} on the test MariaDB server (dropped with {@link #dropMariaDb}). */
  static void createMariaDb(String name) throws SQLException {
    try (Connection connection = DriverManager.getConnection(TestDatabase.MARIADB_SERVER + "/",
        TestDatabase.MARIADB_USER, TestDatabase.MARIADB_PASSWORD); Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
    }
  }

  static void dropMariaDb(String name) throws SQLException {
    try (Connection connection = DriverManager.getConnection(TestDatabase.MARIADB_SERVER + "/",
        TestDatabase.MARIADB_USER, TestDatabase.MARIADB_PASSWORD); Statement statement = connection.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + name);
    }
  }

  /**
   * Whether a client knowing only {@code password} logs in against the stored subscriber: the client computes
   * its digest response from the password (RFC 7616 3.4.1, qop=auth) and the server's authenticator checks it
   * against the stored HA1 of {@code algorithm}.
   */
  static DigestAuthenticator.Outcome login(Subscriber stored, String realm, String password,
      DigestAlgorithm algorithm) {
    NonceService nonces = new NonceService(new byte[32], realm, Duration.ofMinutes(1), System::currentTimeMillis);
    DigestAuthenticator authenticator = new DigestAuthenticator(realm, nonces);
    String nonce = authenticator.challenges(false).get(0).param("nonce");
    String uri = "sip:" + realm;
    String cnonce = "0a4f113b";
    String clientHa1 = algorithm.hash(stored.number() + ":" + realm + ":" + password);
    String response = algorithm.hash(clientHa1 + ":" + nonce + ":00000001:" + cnonce + ":auth:"
        + algorithm.hash("REGISTER:" + uri));
    AuthHeader credentials = AuthHeader.parse("Digest username=\"" + stored.number() + "\", realm=\"" + realm
        + "\", nonce=\"" + nonce + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm="
        + algorithm.token() + ", qop=auth, nc=00000001, cnonce=\"" + cnonce + "\"");
    return authenticator.verify("REGISTER", credentials, stored);
  }

  static void assertLogsIn(Subscriber stored, String realm, String password) {
    assertThat(login(stored, realm, password, DigestAlgorithm.MD5)).as("MD5 login of " + stored.number())
        .isEqualTo(DigestAuthenticator.Outcome.OK);
    assertThat(login(stored, realm, password + "x", DigestAlgorithm.MD5)).as("wrong password")
        .isEqualTo(DigestAuthenticator.Outcome.REJECTED);
  }
}
