package one.webph.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh, empty database for one test class: an H2 file database in a temp directory, or a new database
 * {@code wp_test_<random>} on the MariaDB server at 127.0.0.1:3306 (user root, empty password; override with
 * -Dwebphone.test.mariadb=jdbc:mariadb://HOST:PORT). MariaDB being unreachable fails the test: never skipped.
 */
public final class TestDatabase implements AutoCloseable {
  public enum Kind { H2, MARIADB }

  public static final String MARIADB_SERVER =
      System.getProperty("webphone.test.mariadb", "jdbc:mariadb://127.0.0.1:3306");
  public static final String MARIADB_USER = System.getProperty("webphone.test.mariadb.user", "root");
  public static final String MARIADB_PASSWORD = System.getProperty("webphone.test.mariadb.password", "");

  private final Kind kind;
  private final String url;
  private final String name;
  private final Path directory;

  private TestDatabase(Kind kind, String url, String name, Path directory) {
    this.kind = kind;
    this.url = url;
    this.name = name;
    this.directory = directory;
  }

  public static TestDatabase create(Kind kind) {
    String name = "wp_test_" + Long.toUnsignedString(new SecureRandom().nextLong(), 36);
    try {
      if (kind == Kind.H2) {
        Path dir = Files.createTempDirectory("wp-h2-");
        return new TestDatabase(kind, "jdbc:h2:file:" + dir.resolve("webphone") + ";AUTO_SERVER=TRUE", name, dir);
      }
      try (Connection connection = DriverManager.getConnection(MARIADB_SERVER + "/", MARIADB_USER, MARIADB_PASSWORD);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
      }
      return new TestDatabase(kind, MARIADB_SERVER + "/" + name, name, null);
    } catch (SQLException e) {
      throw new IllegalStateException("MariaDB at " + MARIADB_SERVER + " is required for the storage tests "
          + "(user " + MARIADB_USER + "): " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public Kind kind() {
    return kind;
  }

  public String url() {
    return url;
  }

  /** Canonical configuration keys selecting this database. */
  public Map<String, String> configValues() {
    Map<String, String> values = new HashMap<>();
    values.put("DB_URL", url);
    if (kind == Kind.MARIADB) {
      values.put("DB_USER", MARIADB_USER);
      values.put("DB_PASSWORD", MARIADB_PASSWORD);
    }
    return values;
  }

  @Override
  public void close() {
    if (kind == Kind.MARIADB) {
      try (Connection connection = DriverManager.getConnection(MARIADB_SERVER + "/", MARIADB_USER, MARIADB_PASSWORD);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP DATABASE IF EXISTS " + name);
      } catch (SQLException e) {
        throw new IllegalStateException("could not drop " + name + ": " + e.getMessage(), e);
      }
    } else {
      TestFiles.deleteRecursively(directory);
    }
  }

  @Override
  public String toString() {
    return kind + " " + url;
  }
}
