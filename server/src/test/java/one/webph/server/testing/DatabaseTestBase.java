package one.webph.server.testing;

import java.util.Map;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigLoader;
import one.webph.server.db.Database;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Base for storage tests: every test of a subclass runs against H2 and against the real MariaDB, each with a
 * fresh database created for the class (and dropped after). Subclasses use {@link #database()} /
 * {@link #testDatabase()} / {@link #config(Map)}; override nothing.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabase.Kind.class)
public abstract class DatabaseTestBase {
  @Parameter protected TestDatabase.Kind kind;

  private static TestDatabase testDatabase;
  private static Database database;

  @BeforeParameterizedClassInvocation
  static void createDatabase(TestDatabase.Kind kind) {
    testDatabase = TestDatabase.create(kind);
    database = new Database(ConfigLoader.fromValues(testDatabase.configValues()), null, null);
    database.migrate();
  }

  @AfterParameterizedClassInvocation
  static void dropDatabase() {
    if (database != null) {
      database.close();
      database = null;
    }
    if (testDatabase != null) {
      testDatabase.close();
      testDatabase = null;
    }
  }

  /** The migrated database of this class invocation (its {@code call} runs on the calling thread). */
  protected static Database database() {
    return database;
  }

  protected static TestDatabase testDatabase() {
    return testDatabase;
  }

  /** A configuration using this database plus the given canonical keys. */
  protected static Config config(Map<String, String> values) {
    Map<String, String> all = new java.util.HashMap<>(testDatabase.configValues());
    all.putAll(values);
    return ConfigLoader.fromValues(all);
  }
}
