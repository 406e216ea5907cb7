package one.webph.sip.transaction;

/**
 * Clock and one-shot timers used by the transaction state machines. Implementations must run tasks on the
 * same thread/context as the transaction layer (see {@link VertxTimerService}); tests use
 * {@link ManualTimerService} to drive time by hand.
 */
public interface TimerService {
    long nowMillis();

    Cancellable schedule(long delayMillis, Runnable task);

    /** Handle to a scheduled task. */
    interface Cancellable {
        void cancel();
    }
}
