package one.webph.sip.transaction;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * Timers on one Vert.x context: tasks run on that context's event loop.
 *
 * <p>Why not a Vert.x timer per task: a UDP transaction waits 32 s after its final response (Timer J), so a
 * server at a few thousand requests a second holds a hundred thousand timers; each Vert.x timer is a handler in
 * a concurrent map plus a task in Netty's scheduled-task heap (O(log n) per add and cancel). The SIP timers use a
 * handful of fixed delays (T1 doubling, T2, T4, 64*T1), and tasks scheduled with the same delay fall due in the
 * order they were scheduled, so one FIFO queue per delay keeps them sorted for free: scheduling and cancelling
 * are O(1) and one Vert.x timer, armed for the earliest deadline, runs whatever is due. Delays beyond the first
 * {@link #MAX_QUEUES} distinct ones share a priority queue. A cancelled task is dropped from its queue when it
 * reaches the head; cancelling forgets the task at once, so what it refers to is not kept alive meanwhile.
 *
 * <p>Threading: {@link #schedule} and {@link Cancellable#cancel} belong on the context's thread; called from
 * another thread they are carried over to it.
 */
public final class VertxTimerService implements TimerService {
    /** Distinct delays that get a FIFO queue of their own (the SIP timers need about ten). */
    static final int MAX_QUEUES = 32;

    private final Context context;
    private final Vertx vertx;
    private final long[] delays = new long[MAX_QUEUES];
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Entry>[] queues = new ArrayDeque[MAX_QUEUES];
    private int queueCount;
    private final PriorityQueue<Entry> others =
            new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long sequence;
    private int live;
    private long armedDue = Long.MAX_VALUE;
    private long armedId = -1;

    public VertxTimerService(Context context) {
        this.context = context;
        this.vertx = context.owner();
    }

    @Override
    public long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    /** Tasks scheduled and neither run nor cancelled yet (diagnostics, tests). Context thread only. */
    public int pending() {
        return live;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        long delay = Math.max(0, delayMillis);
        Entry e = new Entry(nowMillis() + delay, task);
        if (onContext()) {
            add(e, delay);
        } else {
            context.runOnContext(v -> add(e, delay));
        }
        return e;
    }

    private boolean onContext() {
        return Vertx.currentContext() == context;
    }

    private void add(Entry e, long delay) {
        if (e.task == null) {
            return; // cancelled before it reached the context
        }
        e.seq = sequence++;
        e.added = true;
        queueFor(delay).add(e);
        live++;
        if (e.due < armedDue) {
            arm(e.due);
        }
    }

    private java.util.Queue<Entry> queueFor(long delay) {
        for (int i = 0; i < queueCount; i++) {
            if (delays[i] == delay) {
                return queues[i];
            }
        }
        if (queueCount < MAX_QUEUES) {
            delays[queueCount] = delay;
            queues[queueCount] = new ArrayDeque<>();
            return queues[queueCount++];
        }
        return others;
    }

    private void arm(long due) {
        if (armedId >= 0) {
            vertx.cancelTimer(armedId);
        }
        armedDue = due;
        armedId = vertx.setTimer(Math.max(1, due - nowMillis()), id -> {
            if (id == armedId) {
                armedId = -1;
                armedDue = Long.MAX_VALUE;
                fire();
            }
        });
    }

    /**
     * Runs every task due by now in deadline order (the earliest head among the queues first; a queue is sorted
     * already), then arms the timer for the next deadline.
     */
    private void fire() {
        long now = nowMillis();
        while (true) {
            java.util.Queue<Entry> earliest = others;
            long due = headDue(others);
            for (int i = 0; i < queueCount; i++) {
                long d = headDue(queues[i]);
                if (d < due) {
                    due = d;
                    earliest = queues[i];
                }
            }
            if (due > now) {
                if (due != Long.MAX_VALUE && due < armedDue) {
                    arm(due); // unless a task run here armed an earlier deadline already
                }
                return;
            }
            Entry e = earliest.poll();
            Runnable task = e.task;
            e.task = null;
            live--;
            task.run();
        }
    }

    /** Deadline of the first live task of a queue (cancelled heads are dropped on the way), or MAX_VALUE. */
    private static long headDue(java.util.Queue<Entry> queue) {
        for (Entry e = queue.peek(); e != null; e = queue.peek()) {
            if (e.task != null) {
                return e.due;
            }
            queue.poll();
        }
        return Long.MAX_VALUE;
    }

    private final class Entry implements Cancellable {
        final long due;
        long seq;
        boolean added;
        /** Null once run or cancelled. */
        Runnable task;

        Entry(long due, Runnable task) {
            this.due = due;
            this.task = task;
        }

        @Override
        public void cancel() {
            if (!onContext()) {
                context.runOnContext(v -> cancel());
                return;
            }
            if (task != null) {
                task = null;
                if (added) {
                    live--; // one cancelled before it reached the context was never counted
                }
            }
        }
    }
}
