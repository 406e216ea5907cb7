import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import one.webph.media.ng.NgClient;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.MediaControl;
import one.webph.media.relay.MediaRelay;
import one.webph.media.relay.RelayConfig;

/**
 * Per-call control cost of a media relay: R calls per second, each an offer, an answer, --hold-ms of nothing (no
 * RTP is sent, as in the SIP benchmark's 50 ms sipp calls) and the end as the proxy makes it (final statistics and
 * delete). Reports the relay's CPU microseconds per
 * call (setup + teardown) from /proc/PID/stat over a measured window, the rate achieved, and the setup latency
 * (offer sent to answer returned).
 *
 * Targets: a relay over NG (--ng HOST:PORT --pid PID: our RelayMain or RTPEngine), or "inproc": a MediaRelay in
 * this JVM driven from a Vert.x event loop as the proxy drives it (CPU = this whole process, the driver included;
 * it only builds SDP strings and futures).
 *
 *   java -cp MEDIA_CLASSPATH bench/media/ControlLoad.java --target ours --ng 127.0.0.1:22223 --pid 1234 \
 *        --rates 200,400,800 [--warmup 10] [--settle 2] [--measure 15] [--hold-ms 50] [--caller plain|browser]
 *   java -cp MEDIA_CLASSPATH bench/media/ControlLoad.java --target inproc --rates 400 [--ports 40000-49999]
 */
public final class ControlLoad {
    static final int BUCKET_MICROS = 50; // latency histogram: 50 us buckets up to 1 s
    static final int BUCKETS = 20_000;
    /**
     * Calls start in bursts every 10 ms (4 at a time at 400/s): a 1 ms timer cost the in-process target more CPU
     * (1000 wake-ups/s of the driver's loop) than some of what is measured.
     */
    static final long TICK_MILLIS = 10;

    String target = "ours";
    String ng = "127.0.0.1:2223";
    long pid;
    int[] rates = {200, 400, 800};
    double warmup = 10;
    double settle = 2;
    double measure = 15;
    long holdMillis = 50;
    long clockTicks = 100;
    String caller = "plain";
    int minPort = 40000;
    int maxPort = 49999;
    String profilerLib;
    String profileOut;

    Vertx vertx;
    MediaControl control;
    MediaRelay inProcess;
    final String run = Long.toHexString(System.nanoTime());
    final AtomicLong callNumber = new AtomicLong();
    final AtomicLong failuresShown = new AtomicLong();
    /** MediaControl.deleteAndReport, looked up so this file also runs against versions without it. */
    final Method deleteAndReport = lookUp();

    static Method lookUp() {
        try {
            return MediaControl.class.getMethod("deleteAndReport", String.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    public static void main(String[] args) throws Exception {
        ControlLoad load = new ControlLoad();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--target" -> load.target = v;
                case "--ng" -> load.ng = v;
                case "--pid" -> load.pid = Long.parseLong(v);
                case "--rates" -> load.rates = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--warmup" -> load.warmup = Double.parseDouble(v);
                case "--settle" -> load.settle = Double.parseDouble(v);
                case "--measure" -> load.measure = Double.parseDouble(v);
                case "--hold-ms" -> load.holdMillis = Long.parseLong(v);
                case "--clk-tck" -> load.clockTicks = Long.parseLong(v);
                case "--caller" -> load.caller = v;
                case "--profiler" -> load.profilerLib = v;
                case "--profile-out" -> load.profileOut = v;
                case "--ports" -> {
                    String[] r = v.split("-");
                    load.minPort = Integer.parseInt(r[0]);
                    load.maxPort = Integer.parseInt(r[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        load.run();
    }

    void run() throws Exception {
        vertx = Vertx.vertx();
        if (target.equals("inproc")) {
            pid = ProcessHandle.current().pid();
            inProcess = new MediaRelay(vertx, new RelayConfig().portRange(minPort, maxPort).bindHost("127.0.0.1"));
            control = inProcess;
        } else {
            int colon = ng.lastIndexOf(':');
            NgClient client = new NgClient(vertx, SocketAddress.inetSocketAddress(
                    Integer.parseInt(ng.substring(colon + 1)), ng.substring(0, colon)), Duration.ofSeconds(2), 3,
                    Map.of());
            client.ping().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            control = client;
        }
        System.out.printf("# %s, %s caller -> plain callee, hold %d ms: rate, achieved calls/s, failed, "
                + "setup p50/p99 ms, relay CPU s, CPU us per call%n", target, caller, holdMillis);
        // JIT warm-up at the highest rate (the most calls to compile on), not reported.
        int warmRate = Arrays.stream(rates).max().orElse(400);
        Step warm = step(warmRate, warmup, false);
        System.out.printf("# warm-up %d/s for %.0f s: %d calls, %d failed (not counted)%n", warmRate, warmup,
                warm.calls, warm.failed);
        boolean first = true;
        for (int rate : rates) {
            Thread.sleep(1000);
            Step r = step(rate, measure, first && profilerLib != null);
            first = false;
            System.out.printf("%s %s rate=%d achieved=%.0f failed=%d setup_p50=%.2f setup_p99=%.2f cpu=%.2fs "
                            + "us/call=%.1f%s%n", target, caller, rate, r.calls / measure, r.failed, r.p50, r.p99,
                    r.cpuSeconds, r.calls == 0 ? Double.NaN : r.cpuSeconds * 1e6 / r.calls, r.extra);
            System.out.flush();
        }
        if (inProcess != null) {
            inProcess.shutdown().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    record Step(long calls, long failed, double p50, double p99, double cpuSeconds, String extra) {
    }

    /**
     * Calls at {@code rate}/s: {@code settle} s unmeasured, then {@code seconds} measured, then drained. With
     * {@code profile}, async-profiler runs in the relay's JVM over the measured window (collapsed stacks written to
     * --profile-out).
     */
    Step step(int rate, double seconds, boolean profile) throws Exception {
        Driver driver = new Driver(rate);
        long start = System.nanoTime();
        long windowStart = start + (long) (settle * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        driver.windowStart = windowStart;
        driver.windowEnd = windowEnd;
        driver.start = start;
        // Driven from one event loop, as the proxy calls the relay from its loop.
        vertx.getOrCreateContext().runOnContext(v -> driver.timer = vertx.setPeriodic(TICK_MILLIS, id -> driver.tick()));
        sleepUntil(windowStart);
        if (profile) {
            profiler("start,threads,event=itimer,interval=1ms");
        }
        long cpu0 = cpuTicks();
        sleepUntil(windowEnd);
        long cpu1 = cpuTicks();
        if (profile) {
            profiler("stop,file=" + profileOut + ",collapsed");
        }
        vertx.cancelTimer(driver.timer);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (driver.inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        String extra = driver.inFlight.get() > 0 ? " (" + driver.inFlight.get() + " calls did not finish)" : "";
        if (inProcess != null) {
            extra += " ports_in_use_after=" + inProcess.portsInUse();
        }
        return new Step(driver.windowCalls.get(), driver.windowFailed.get(), driver.percentile(0.5),
                driver.percentile(0.99), (cpu1 - cpu0) / (double) clockTicks, extra);
    }

    final class Driver {
        final int rate;
        final int maxInFlight;
        volatile long start;
        volatile long windowStart;
        volatile long windowEnd;
        volatile long timer;
        long started;
        final AtomicLong inFlight = new AtomicLong();
        final AtomicLong windowCalls = new AtomicLong();
        final AtomicLong windowFailed = new AtomicLong();
        final AtomicLongArray histogram = new AtomicLongArray(BUCKETS + 1);

        Driver(int rate) {
            this.rate = rate;
            this.maxInFlight = Math.max(100, rate * 2); // a relay falling behind shows as a lower achieved rate
        }

        /** Every tick: start the calls due by now. */
        void tick() {
            long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
            while (started < due && inFlight.get() < maxInFlight) {
                started++;
                call();
            }
            started = Math.max(started, due); // calls not started for the in-flight cap are not made up later
        }

        void call() {
            long n = callNumber.incrementAndGet();
            String callId = run + "-" + n;
            String fromTag = "f" + n;
            long t0 = System.nanoTime();
            boolean counted = t0 >= windowStart && t0 < windowEnd;
            inFlight.incrementAndGet();
            control.offer(callId, fromTag, callerSdp(n), LegOptions.plain("127.0.0.1"))
                    .compose(toCallee -> control.answer(callId, fromTag, "t" + n, plainSdp(n, 30000),
                            LegOptions.sameAsSdp("127.0.0.1")))
                    .onComplete(setUp -> {
                        if (counted) {
                            long micros = (System.nanoTime() - t0) / 1000;
                            histogram.incrementAndGet((int) Math.min(BUCKETS, micros / BUCKET_MICROS));
                        }
                        vertx.setTimer(holdMillis, id -> end(callId).onComplete(deleted -> {
                            Throwable failure = setUp.failed() ? setUp.cause() : deleted.cause();
                            if (failure != null && failuresShown.incrementAndGet() <= 5) {
                                System.err.println("call " + callId + " failed: " + failure);
                            }
                            if (counted) {
                                windowCalls.incrementAndGet();
                                if (setUp.failed() || deleted.failed()) {
                                    windowFailed.incrementAndGet();
                                }
                            }
                            inFlight.decrementAndGet();
                        }));
                    });
        }

        /**
         * Ends the call as the proxy does (RelayMediaAnchor.release keeps the final statistics for the call's
         * record): one deleteAndReport where the relay API has it, else (older versions) a query, then a delete.
         */
        @SuppressWarnings("unchecked")
        Future<?> end(String callId) {
            if (deleteAndReport == null) {
                return control.statistics(callId).compose(stats -> control.delete(callId));
            }
            try {
                return (Future<Object>) deleteAndReport.invoke(control, callId);
            } catch (ReflectiveOperationException e) {
                return Future.failedFuture(e);
            }
        }

        double percentile(double p) {
            long total = 0;
            for (int i = 0; i <= BUCKETS; i++) {
                total += histogram.get(i);
            }
            long rank = (long) Math.ceil(p * total);
            long seen = 0;
            for (int i = 0; i <= BUCKETS && total > 0; i++) {
                seen += histogram.get(i);
                if (seen >= rank) {
                    return (i + 1) * BUCKET_MICROS / 1000.0; // upper edge of the bucket, ms
                }
            }
            return Double.NaN;
        }
    }

    String callerSdp(long n) {
        if (caller.equals("browser")) {
            return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                    + "m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n"
                    + "a=candidate:1 1 udp 2122260223 127.0.0.1 20000 typ host\r\n"
                    + "a=ice-ufrag:u" + n + "\r\na=ice-pwd:benchpasswordbenchpassword\r\n"
                    + "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB\r\na=setup:actpass\r\na=mid:0\r\n"
                    + "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
        }
        return plainSdp(n, 20000);
    }

    /** A phone's SDP; the port is never sent to (no RTP in this benchmark). */
    static String plainSdp(long n, int port) {
        return "v=0\r\no=- " + n + " 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio " + port + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n";
    }

    /** Runs an async-profiler command in the relay's JVM (jcmd's agent_load wants the options quoted). */
    void profiler(String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", String.valueOf(pid), "JVMTI.agent_load", profilerLib,
                "\"" + command + "\"").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println("profiler command failed: " + command);
        }
    }

    long cpuTicks() throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }
}
