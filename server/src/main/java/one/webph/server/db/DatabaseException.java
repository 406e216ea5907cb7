package one.webph.server.db;

import java.sql.SQLException;

/** An unexpected SQL error (not connectivity): a bug or a schema problem; answered as 500. */
public final class DatabaseException extends RuntimeException {
  public DatabaseException(SQLException cause) {
    super(cause.getMessage(), cause);
  }

  public SQLException sqlException() {
    return (SQLException) getCause();
  }
}
