package one.webph.server.calls;

import java.util.Locale;

/**
 * How a call ended, as the app shows it (pwa/src/lib/storage.ts {@code CallOutcome}: the JSON names are the
 * lower-case constants, "canceled" with the app's spelling).
 */
public enum CallOutcome {
  ANSWERED, MISSED, BUSY, REJECTED, CANCELED, FAILED;

  /** The name stored and sent as JSON. */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a stored name; anything unknown counts as failed. */
  public static CallOutcome fromJsonName(String name) {
    for (CallOutcome o : values()) {
      if (o.jsonName().equals(name)) {
        return o;
      }
    }
    return FAILED;
  }

  /**
   * Classifies an INVITE's final status: 2xx answered; the caller's CANCEL (its 487) canceled; 486/600 busy;
   * 603 rejected; 408/480/487 missed (nobody answered: no device, ringing timed out, the callee's side ended
   * the ringing); any other failure failed.
   */
  public static CallOutcome classify(int status, boolean callerCancelled) {
    if (status >= 200 && status < 300) {
      return ANSWERED;
    }
    if (callerCancelled) {
      return CANCELED;
    }
    return switch (status) {
      case 486, 600 -> BUSY;
      case 603 -> REJECTED;
      case 408, 480, 487 -> MISSED;
      default -> FAILED;
    };
  }
}
