package one.webph.server.db;

/** The database cannot be reached right now; the web layer answers 503 and the pool recovers by itself. */
public final class DatabaseUnavailableException extends RuntimeException {
  public DatabaseUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
