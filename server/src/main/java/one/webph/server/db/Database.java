package one.webph.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import one.webph.server.config.Config;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool (HikariCP), schema migrations (Flyway, db/migration) and a bounded worker pool that runs
 * all JDBC off the Vert.x event loops. Works with H2 and MariaDB/MySQL.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  /** Connections in the pool, and threads in the worker pool that use them. */
  public static final int POOL_SIZE = 10;

  private final String url;
  private final HikariDataSource dataSource;
  private final WorkerExecutor workers;

  /**
   * Creates the pool without connecting (connections are opened lazily, so a database that is down at start
   * does not fail construction; see {@link #migrateWithRetry}).
   *
   * @param vertx the Vert.x instance whose worker pool runs {@link #call}; null for command-line use, where
   *     {@link #call} runs the work on the calling thread
   * @param registry for pool metrics; may be null
   */
  public Database(Config config, Vertx vertx, MeterRegistry registry) {
    this.url = config.dbUrl();
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    boolean h2 = url.startsWith("jdbc:h2:");
    hikari.setUsername(config.dbUser().orElse(h2 ? "sa" : null));
    hikari.setPassword(config.dbPassword().orElse(h2 ? "" : null));
    hikari.setPoolName("webphone-db");
    hikari.setMaximumPoolSize(POOL_SIZE);
    hikari.setMinimumIdle(1);
    // Fail API calls fast (then 503) instead of queueing requests for the default 30 s while the DB is down.
    hikari.setConnectionTimeout(3_000);
    hikari.setValidationTimeout(2_000);
    hikari.setInitializationFailTimeout(-1);
    if (!h2) {
      hikari.addDataSourceProperty("connectTimeout", "3000");
    }
    if (registry != null) {
      hikari.setMetricRegistry(registry);
    }
    this.dataSource = new HikariDataSource(hikari);
    this.workers = vertx == null ? null
        : vertx.createSharedWorkerExecutor("webphone-db", POOL_SIZE, 60, TimeUnit.SECONDS);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** The JDBC URL with any password parameter masked, for log lines. */
  public String displayUrl() {
    return maskPassword(url);
  }

  static String maskPassword(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  public boolean isH2() {
    return url.startsWith("jdbc:h2:");
  }

  /** Applies pending migrations; returns the schema version. */
  public String migrate() {
    Flyway flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/migration")
        .load();
    MigrateResult result = flyway.migrate();
    String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
        : flyway.info().current() != null ? flyway.info().current().getVersion().getVersion() : "none";
    if (result.migrationsExecuted > 0) {
      log.info("database schema migrated to version {} ({} migration(s) applied)", version,
          result.migrationsExecuted);
    }
    return version;
  }

  /**
   * Migrates, retrying with exponential backoff (1 s doubling up to 30 s) while the database is unreachable.
   * Each failed attempt is logged with its reason. Errors other than connectivity (e.g. a failed migration)
   * are thrown immediately.
   *
   * @param stopping polled between attempts; when true, gives up with an exception
   */
  public String migrateWithRetry(BooleanSupplier stopping, Duration firstDelay, Duration maxDelay)
      throws InterruptedException {
    Duration delay = firstDelay;
    for (int attempt = 1; ; attempt++) {
      try {
        return migrate();
      } catch (RuntimeException e) {
        if (!isUnavailable(e)) {
          throw e;
        }
        log.warn("database not reachable at {}: {}; retry {} in {} s", displayUrl(), rootMessage(e), attempt,
            delay.toMillis() / 1000.0);
      }
      long until = System.nanoTime() + delay.toNanos();
      while (System.nanoTime() < until) {
        if (stopping.getAsBoolean()) {
          throw new DatabaseUnavailableException("stopped while waiting for the database", null);
        }
        Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
      }
      delay = delay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : delay.multipliedBy(2);
    }
  }

  /**
   * Runs JDBC work with a pooled connection (auto-commit) on the database worker pool, never on an event loop.
   * Connectivity failures complete the future with {@link DatabaseUnavailableException}.
   */
  public <T> Future<T> call(SqlWork<T> work) {
    if (workers == null) {
      try {
        return Future.succeededFuture(callBlocking(work));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return workers.executeBlocking(() -> callBlocking(work), false);
  }

  /** Like {@link #call} but in one transaction: committed when the work returns, rolled back when it throws. */
  private static final int TRANSACTION_ATTEMPTS = 3;

  public <T> Future<T> transaction(SqlWork<T> work) {
    return call(connection -> {
      connection.setAutoCommit(false);
      try {
        for (int attempt = 1; ; attempt++) {
          try {
            T result = work.run(connection);
            connection.commit();
            return result;
          } catch (SQLException e) {
            connection.rollback();
            // InnoDB picks a deadlock victim under concurrent writes; the whole transaction can simply run again.
            if (!isDeadlock(e) || attempt >= TRANSACTION_ATTEMPTS) {
              throw e;
            }
            log.debug("transaction deadlocked (attempt {}), retrying: {}", attempt, e.getMessage());
          } catch (RuntimeException e) {
            connection.rollback();
            throw e;
          }
        }
      } finally {
        connection.setAutoCommit(true);
      }
    });
  }

  /** Runs the work on the calling thread (command line, tests, or code already on a worker). */
  public <T> T callBlocking(SqlWork<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      if (isUnavailable(e)) {
        throw new DatabaseUnavailableException("database unavailable: " + rootMessage(e), e);
      }
      throw new DatabaseException(e);
    }
  }

  /** True when the database answers a trivial query within two seconds. */
  public Future<Boolean> ping() {
    return call(connection -> connection.isValid(2)).recover(e -> Future.succeededFuture(false));
  }

  /** True for errors that mean "cannot reach the database" rather than "the statement is wrong". */
  public static boolean isUnavailable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DatabaseUnavailableException || t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException || t instanceof SQLRecoverableException
          || t instanceof java.net.ConnectException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** True for a unique/primary key violation (SQLState class 23: H2 23505, MariaDB 23000/1062). */
  /** A deadlock or serialization failure (SQLState 40001, MariaDB error 1213): safe to retry the transaction. */
  public static boolean isDeadlock(SQLException e) {
    return "40001".equals(e.getSQLState()) || e.getErrorCode() == 1213;
  }

  public static boolean isDuplicateKey(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("23");
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    return message.lines().findFirst().orElse(message);
  }

  /** Closes the workers and the pool; with H2 the last closed connection closes the database file cleanly. */
  @Override
  public void close() {
    if (workers != null) {
      workers.close();
    }
    dataSource.close();
  }
}
