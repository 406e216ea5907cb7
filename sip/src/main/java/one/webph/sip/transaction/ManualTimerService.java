package one.webph.sip.transaction;

import java.util.PriorityQueue;

/**
 * A fake clock for tests: time only moves when {@link #advance} is called, which runs every task that falls due,
 * in order. Single-threaded.
 */
public final class ManualTimerService implements TimerService {
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long sequence;

    private final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long seq;
        final Runnable run;
        boolean cancelled;

        Task(long due, long seq, Runnable run) {
            this.due = due;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public int compareTo(Task o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
        Task t = new Task(now + Math.max(0, delayMillis), sequence++, task);
        queue.add(t);
        return t;
    }

    /** Moves the clock forward, running due tasks at their due time. */
    public void advance(long millis) {
        long target = now + millis;
        while (!queue.isEmpty() && queue.peek().due <= target) {
            Task t = queue.poll();
            now = t.due;
            if (!t.cancelled) {
                t.run.run();
            }
        }
        now = target;
    }

    /** Number of live (not cancelled) scheduled tasks. */
    public int pending() {
        return (int) queue.stream().filter(t -> !t.cancelled).count();
    }
}
