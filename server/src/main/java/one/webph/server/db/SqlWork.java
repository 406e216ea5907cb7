package one.webph.server.db;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of JDBC work run with a pooled connection on the database worker pool. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws SQLException;
}
