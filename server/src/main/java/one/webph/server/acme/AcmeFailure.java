package one.webph.server.acme;

import java.time.Instant;
import java.util.Optional;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;

/** A failed ACME attempt, with the CA's problem document (RFC 7807/8555 section 6.7) rendered into the message. */
public final class AcmeFailure extends Exception {
  private final transient Instant retryNotBefore;

  AcmeFailure(String message, Throwable cause, Instant retryNotBefore) {
    super(message, cause);
    this.retryNotBefore = retryNotBefore;
  }

  AcmeFailure(String message) {
    this(message, null, null);
  }

  /** The earliest retry the CA asked for (Retry-After of a rate limit), if any. */
  public Optional<Instant> retryNotBefore() {
    return Optional.ofNullable(retryNotBefore);
  }

  /** Wraps an acme4j exception, naming the step and including the problem type and detail. */
  static AcmeFailure of(String step, AcmeException e) {
    Instant retryAfter = null;
    String reason;
    if (e instanceof AcmeServerException server) {
      reason = describe(server.getProblem());
      if (server instanceof AcmeRateLimitedException limited) {
        retryAfter = limited.getRetryAfter().orElse(null);
      }
    } else {
      StringBuilder text = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
      // Network errors carry the useful part in the causes (often without a message, e.g. ConnectException).
      String previous = "";
      Throwable cause = e.getCause();
      for (int depth = 0; cause != null && depth < 4; depth++, cause = cause.getCause()) {
        String part = cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + cause.getMessage() : "");
        if (!part.equals(previous)) {
          text.append(" (").append(part).append(')');
          previous = part;
        }
        if (cause.getCause() == cause) {
          break;
        }
      }
      reason = text.toString();
    }
    return new AcmeFailure(step + ": " + reason, e, retryAfter);
  }

  /** "urn:...:unauthorized: detail [example.org: sub-detail; ...]" */
  static String describe(Problem problem) {
    if (problem == null) {
      return "no problem detail given";
    }
    StringBuilder out = new StringBuilder();
    out.append(problem.getType());
    problem.getTitle().ifPresent(title -> out.append(" (").append(title).append(')'));
    out.append(": ").append(problem.getDetail().orElse("no detail"));
    if (!problem.getSubProblems().isEmpty()) {
      out.append(" [");
      boolean first = true;
      for (Problem sub : problem.getSubProblems()) {
        if (!first) {
          out.append("; ");
        }
        first = false;
        sub.getIdentifier().ifPresent(id -> out.append(id.getValue()).append(": "));
        out.append(sub.getType()).append(": ").append(sub.getDetail().orElse("no detail"));
      }
      out.append(']');
    }
    return out.toString();
  }
}
