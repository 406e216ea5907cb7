package one.webph.sip.transaction;

import io.vertx.core.Context;

/** Timers on a Vert.x context: tasks run on that context's event loop. */
public final class VertxTimerService implements TimerService {
    private final Context context;

    public VertxTimerService(Context context) {
        this.context = context;
    }

    @Override
    public long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        long id = context.owner().setTimer(Math.max(1, delayMillis), tid -> {
            if (io.vertx.core.Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(v -> task.run());
            }
        });
        return () -> context.owner().cancelTimer(id);
    }
}
