package one.webph.server.web;

/** An API error with its HTTP status, answered as {@code {"error": message}}. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final long retryAfterSeconds;

  public ApiException(int status, String message) {
    this(status, message, -1);
  }

  /** @param retryAfterSeconds sent as Retry-After when &gt;= 0 (429, 503) */
  public ApiException(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
