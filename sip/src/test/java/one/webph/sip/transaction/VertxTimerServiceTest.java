package one.webph.sip.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FIFO-per-delay timers on a real event loop: order, cancellation, off-context use, many distinct delays. */
class VertxTimerServiceTest {
    private Vertx vertx;
    private Context context;
    private VertxTimerService timers;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        timers = new VertxTimerService(context);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private record Fired(int id, long scheduledAt, long delay, long firedAt, Thread thread) { }

    /** Runs {@code body} on the context and waits (bounded) for it. */
    private void onContext(Runnable body) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void tasksRunOnTheContextNotBeforeTheirDelayInDeadlineOrderAndCancelledOnesNever() throws Exception {
        long[] delays = {40, 5, 20, 5, 80, 0, 20, 40};
        int n = 400;
        List<Fired> fired = new ArrayList<>();
        List<TimerService.Cancellable> handles = new ArrayList<>();
        CountDownLatch live = new CountDownLatch(n - (n + 2) / 3); // every third, from 0, is cancelled
        Thread[] loop = new Thread[1];
        onContext(() -> {
            loop[0] = Thread.currentThread();
            for (int i = 0; i < n; i++) {
                int id = i;
                long delay = delays[i % delays.length];
                long at = timers.nowMillis();
                handles.add(timers.schedule(delay, () -> {
                    fired.add(new Fired(id, at, delay, timers.nowMillis(), Thread.currentThread()));
                    live.countDown();
                }));
            }
            for (int i = 0; i < n; i += 3) {
                handles.get(i).cancel();
            }
            assertThat(timers.pending()).isEqualTo(n - (n + 2) / 3);
        });
        assertThat(live.await(10, TimeUnit.SECONDS)).isTrue();
        onContext(() -> assertThat(timers.pending()).isZero());

        assertThat(fired).extracting(Fired::id).doesNotHaveDuplicates().allMatch(id -> id % 3 != 0)
                .hasSize(n - (n + 2) / 3);
        assertThat(fired).allMatch(f -> f.thread() == loop[0]);
        assertThat(fired).allMatch(f -> f.firedAt() >= f.scheduledAt() + f.delay());
        // same delay: in the order scheduled
        for (long d : delays) {
            List<Integer> ids = fired.stream().filter(f -> f.delay() == d).map(Fired::id).toList();
            assertThat(ids).isSorted();
        }
    }

    @Test
    void moreDistinctDelaysThanQueuesStillRunInDeadlineOrder() throws Exception {
        int n = VertxTimerService.MAX_QUEUES * 3;
        // the deadline the service sets lies between the clock read just before and just after scheduling
        List<long[]> fired = new ArrayList<>(); // {earliest, latest} possible deadline, in firing order
        CountDownLatch all = new CountDownLatch(n);
        onContext(() -> {
            for (int i = n; i > 0; i--) {
                long[] due = new long[2];
                due[0] = timers.nowMillis() + i; // every delay distinct, scheduled longest first
                timers.schedule(i, () -> {
                    assertThat(timers.nowMillis()).isGreaterThanOrEqualTo(due[0]);
                    fired.add(due);
                    all.countDown();
                });
                due[1] = timers.nowMillis() + i;
            }
        });
        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(fired).hasSize(n);
        for (int i = 1; i < n; i++) {
            // fired after the previous one: its deadline is not earlier than the previous one's
            assertThat(fired.get(i)[1]).as("deadline order across the queues").isGreaterThanOrEqualTo(fired.get(i - 1)[0]);
        }
    }

    @Test
    void aTaskMayScheduleAnEarlierOneAndScheduleAndCancelFromOtherThreadsAreCarriedOver() throws Exception {
        List<String> order = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        onContext(() -> timers.schedule(30, () -> {
            order.add("outer");
            done.countDown();
            timers.schedule(1, () -> {
                order.add("inner");
                done.countDown();
            });
        }));
        // from a test thread: carried over to the context
        Thread[] ran = new Thread[1];
        timers.schedule(10, () -> {
            ran[0] = Thread.currentThread();
            order.add("foreign");
            done.countDown();
        });
        TimerService.Cancellable never = timers.schedule(5, () -> order.add("cancelled"));
        never.cancel();
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        onContext(() -> {
            assertThat(order).containsExactlyInAnyOrder("foreign", "outer", "inner");
            assertThat(order.indexOf("inner")).isGreaterThan(order.indexOf("outer"));
            assertThat(timers.pending()).isZero();
        });
        assertThat(ran[0].getName()).contains("eventloop");
    }

    @Test
    void cancellingForgetsTheTaskAtOnce() throws Exception {
        Object[] big = {new byte[1 << 20]};
        java.lang.ref.WeakReference<Object> ref = new java.lang.ref.WeakReference<>(big[0]);
        onContext(() -> {
            Object captured = big[0];
            TimerService.Cancellable c = timers.schedule(60_000, () -> assertThat(captured).isNotNull());
            c.cancel();
            assertThat(timers.pending()).isZero();
        });
        big[0] = null;
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ref.get()).as("a cancelled 60 s task must not keep what it captured").isNull();
    }
}
