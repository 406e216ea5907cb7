package one.webph.sip.transaction;

import java.util.ArrayList;
import java.util.List;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;

/** Common part of client and server transactions. Not thread-safe: used on the transaction layer's context. */
public abstract sealed class Transaction permits ClientTransaction, ServerTransaction {
    final TransactionLayer layer;
    final String key;
    final SipRequest request;
    TransactionState state;
    private final List<TimerService.Cancellable> timers = new ArrayList<>(3);
    private Object applicationData;

    Transaction(TransactionLayer layer, String key, SipRequest request, TransactionState initial) {
        this.layer = layer;
        this.key = key;
        this.request = request;
        this.state = initial;
    }

    /** Transaction id: branch (+ sent-by for server transactions) + method. */
    public String key() {
        return key;
    }

    public SipRequest request() {
        return request;
    }

    public TransactionState state() {
        return state;
    }

    public boolean isInvite() {
        return request.isMethod(SipMethod.INVITE);
    }

    public boolean isTerminated() {
        return state == TransactionState.TERMINATED;
    }

    abstract boolean isReliable();

    /** Free slot for the TU (e.g. the proxy's response context). */
    public Object applicationData() {
        return applicationData;
    }

    public void setApplicationData(Object data) {
        this.applicationData = data;
    }

    TimerService.Cancellable schedule(long delay, Runnable task) {
        TimerService.Cancellable c = layer.timers.schedule(delay, () -> {
            if (state != TransactionState.TERMINATED) {
                task.run();
            }
        });
        timers.add(c);
        return c;
    }

    void cancelTimers() {
        for (TimerService.Cancellable c : timers) {
            c.cancel();
        }
        timers.clear();
    }

    void terminate() {
        if (state == TransactionState.TERMINATED) {
            return;
        }
        state = TransactionState.TERMINATED;
        cancelTimers();
        layer.removed(this);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + key + " " + state + "]";
    }
}
