package one.webph.server.calls;

import io.vertx.core.Future;
import one.webph.server.Component;
import one.webph.server.ServerContext;
import one.webph.server.media.RelayMediaAnchor;
import one.webph.server.sip.CallObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Call records (issue 7): closes the records a previous run left open, provides the SIP proxy's
 * {@link CallObserver} (so it starts before the SIP component, after media, whose relay statistics it reads),
 * and serves {@code GET /api/v1/me/calls}. Operators list records with {@code webphone calls list}.
 */
public final class CallRecordsComponent implements Component {
  private static final Logger log = LoggerFactory.getLogger(CallRecordsComponent.class);

  /**
   * Least time between two flushes of call records: at 400 calls/s one flush a second instead of one per two writes;
   * a crash loses at most about this much of the latest calls (a graceful stop writes everything).
   */
  static final long FLUSH_INTERVAL_MILLIS = 1_000;

  private CallRecordStore store;
  private CallRecorder recorder;

  @Override
  public String name() {
    return "calls";
  }

  @Override
  public void start(ServerContext context) {
    store = new CallRecordStore(context.database(), context.vertx(), FLUSH_INTERVAL_MILLIS);
    // every call of this run starts after startedAt: only a previous run's open records are closed
    int closed = store.closeUnfinishedBlocking(context.startedAt().toEpochMilli());
    if (closed > 0) {
      log.info("{} call record(s) left open by the previous run closed as ended {}", closed,
          CallRecordStore.UNKNOWN_END);
    }
    RelayMediaAnchor relay = context.service(RelayMediaAnchor.class).orElse(null);
    recorder = new CallRecorder(store, relay == null ? callId -> Future.succeededFuture(null) : relay::statistics,
        System::currentTimeMillis);
    context.provide(CallObserver.class, recorder);
    new CallsApi(store, context.subscribers()).mount(context.webServer().router());
    log.info("call records on (media statistics: {})", relay == null ? "none" : "from the relay");
  }

  /** Writes the records still queued (stops after the SIP component: no call reports anything any more). */
  @Override
  public void stop() throws Exception {
    if (store != null && !store.flushBlocking(10_000)) {
      log.warn("{} call record write(s) could not be stored before stopping", store.pendingCount());
    }
  }

  /** The observer the SIP proxy reports to (tests). */
  public CallRecorder recorder() {
    return recorder;
  }
}
