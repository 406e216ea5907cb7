package one.webph.server.calls;

/**
 * One stored call. Times are epoch milliseconds; {@code answerMillis} is null for unanswered calls,
 * {@code endMillis} and {@code durationSeconds} null while an answered call is in progress or when its end is
 * unknown (the server stopped without seeing it: {@code endReason} "unknown").
 *
 * @param endReason  null while in progress; "caller hung up", "callee hung up", "media ended", "unknown"... for
 *                   answered calls; the outcome name for unanswered ones
 * @param mediaStats the relay's statistics as JSON text, or null
 */
public record CallRecord(long id, String callId, String caller, String callee, String source, String route,
    long startMillis, Long answerMillis, Long endMillis, Long durationSeconds, CallOutcome outcome, int status,
    String endReason, String mediaStats) {

  /** True while an answered call has not ended yet. */
  public boolean inProgress() {
    return endReason == null;
  }
}
