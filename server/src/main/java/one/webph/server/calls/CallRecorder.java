package one.webph.server.calls;

import io.vertx.core.Future;
import java.util.function.Function;
import java.util.function.LongSupplier;
import one.webph.media.relay.SessionStatistics;
import one.webph.server.sip.CallObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes call records from the proxy's events: the INVITE's outcome at its final response, then, for an answered
 * call, its end with the media statistics. The hooks run on the SIP event loop and only start asynchronous work.
 * An end never overtakes its insert (a call hung up within milliseconds): the proxy reports the answer before the
 * dialog exists, so the insert is queued first, and the store writes in queue order (an end still queued with its
 * insert becomes one complete row). A failed write is logged; the call itself is never affected.
 */
public final class CallRecorder implements CallObserver {
  private static final Logger log = LoggerFactory.getLogger(CallRecorder.class);

  private final CallRecordStore store;
  private final Function<String, Future<SessionStatistics>> mediaStatistics;
  private final LongSupplier clock;

  /**
   * @param mediaStatistics the relay's statistics of a Call-ID (completing with null when nothing is anchored);
   *                        asked before the relay releases the call
   */
  public CallRecorder(CallRecordStore store, Function<String, Future<SessionStatistics>> mediaStatistics,
      LongSupplier clock) {
    this.store = store;
    this.mediaStatistics = mediaStatistics;
    this.clock = clock;
  }

  @Override
  public void onInviteFinished(InviteOutcome outcome) {
    store.insert(outcome).onFailure(e -> log.warn("call record of {} not stored: {}", outcome.callId(), e.toString()));
  }

  @Override
  public void onDialogEnded(String callId, String reason) {
    long end = clock.getAsLong();
    // a released call's final figures (the anchor keeps them a while), else the live ones; a relay that does not
    // answer costs only the statistics
    Future<String> stats;
    try {
      stats = mediaStatistics.apply(callId).map(MediaStatisticsJson::toJson)
          .recover(e -> {
            log.debug("media statistics of {} unavailable: {}", callId, e.toString());
            return Future.succeededFuture(null);
          });
    } catch (RuntimeException e) {
      stats = Future.succeededFuture(null);
    }
    stats.compose(json -> store.close(callId, end, reason, json)).onFailure(e ->
        log.warn("end of call record {} not stored: {}", callId, e.toString()));
  }

  /** Writes queued or running (tests, shutdown). */
  int pendingWrites() {
    return store.pendingCount();
  }
}
