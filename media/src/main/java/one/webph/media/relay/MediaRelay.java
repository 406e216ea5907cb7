package one.webph.media.relay;

import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.media.dtls.DtlsCertificate;
import one.webph.media.rtp.PortPool;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.sdp.SessionDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media relay anchoring every call, with an API shaped like RTPEngine's NG protocol (offer / answer / delete /
 * query) so an NG front end can be added later. Sessions are keyed by Call-ID; the from-tag of the first offer
 * names the caller side, and a re-offer carrying the callee's tag (a re-INVITE from the callee) is applied in the
 * reverse direction.
 *
 * <p>All methods are non-blocking and may be called from any thread; results complete on the session's event loop.
 */
public final class MediaRelay implements MediaControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MediaRelay.class);
    /** At most one "DTLS handshakes at the cap" line per this interval, however big the burst. */
    private static final long CAP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Vertx vertx;
    private final RelayConfig config;
    private final PortPool portPool;
    private final DtlsCertificate certificate;
    private final String fingerprintAttribute;
    private final InetAddress bindAddress;
    private final ThreadPoolExecutor dtlsExecutor;
    private final AtomicLong lastCapLogNanos = new AtomicLong(System.nanoTime() - CAP_LOG_INTERVAL_NANOS);
    private final Map<String, MediaSession> sessions = new ConcurrentHashMap<>();
    /** Media sockets per event loop, kept open across calls (each pool is touched on its loop only). */
    private final Map<EventLoop, SocketPool> socketPools = new ConcurrentHashMap<>();
    private final AtomicInteger idlePorts = new AtomicInteger();
    private final AtomicInteger closingPorts = new AtomicInteger();
    private final AtomicLong droppedWhileIdle = new AtomicLong();
    private final int maxIdlePorts;
    private final long timerId;
    private volatile boolean closed;

    public MediaRelay(Vertx vertx, RelayConfig config) {
        this.vertx = vertx;
        this.config = config;
        this.portPool = new PortPool(config.minPort(), config.maxPort());
        this.maxIdlePorts = Math.min(portPool.capacity(), config.maxIdlePorts() >= 0 ? config.maxIdlePorts()
                : (int) Math.min(Integer.MAX_VALUE, spareFileDescriptors() / 2));
        this.certificate = DtlsCertificate.generate();
        this.fingerprintAttribute = certificate.fingerprint().toString();
        try {
            // Resolved once here (a host name would block); sockets bind to the address itself.
            this.bindAddress = InetAddress.getByName(config.bindHost());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("media bind address " + config.bindHost() + " does not resolve", e);
        }
        // Threads come and go with the handshakes (core threads time out); up to dtlsThreads at once, then queued.
        AtomicInteger threadNumber = new AtomicInteger();
        this.dtlsExecutor = new ThreadPoolExecutor(config.dtlsThreads(), config.dtlsThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "media-dtls-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.dtlsExecutor.allowCoreThreadTimeOut(true);
        this.timerId = vertx.setPeriodic(config.checkInterval().toMillis(), id -> checkTimeouts());
    }

    /**
     * Handles an SDP offer from the endpoint identified by {@code fromTag} and returns the SDP to forward.
     * A first offer for a Call-ID creates the session; its kind of caller (browser or plain) is read from the SDP,
     * the callee's from {@code forCallee}. A later offer is a re-offer (hold, ICE restart...) on the same ports.
     *
     * @param forCallee for a first offer: the callee's kind and the address advertised to it; for a re-offer:
     *                  options of the leg facing the recipient of the re-offer
     */
    @Override
    public Future<String> offer(String callId, String fromTag, String sdp, LegOptions forCallee) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("media relay closed"));
        }
        SessionDescription parsed;
        try {
            requireText(callId, "callId");
            requireText(fromTag, "fromTag");
            parsed = SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        MediaSession existing = sessions.get(callId);
        if (existing != null) {
            boolean fromCaller = !fromTag.equals(existing.toTag());
            return existing.enqueue(() -> Future.succeededFuture(existing.applyOffer(fromCaller, parsed, forCallee)));
        }
        LegType callerType = SdpRewriter.isBrowserSdp(parsed) ? LegType.BROWSER : LegType.PLAIN;
        LegType calleeType = forCallee.type() != null ? forCallee.type() : callerType;
        MediaSession session = new MediaSession(this, newContext(), callId, fromTag, callerType, calleeType);
        MediaSession raced = sessions.putIfAbsent(callId, session);
        if (raced != null) {
            return raced.enqueue(() -> Future.succeededFuture(raced.applyOffer(true, parsed, forCallee)));
        }
        return session.enqueue(() -> session.allocate()
                        .map(v -> session.applyOffer(true, parsed, forCallee)))
                .recover(error -> session.end(null).transform(x -> Future.failedFuture(error)));
    }

    /**
     * Handles the SDP answer (from a 183 or a 200; may be called for both) to the last offer and returns the SDP
     * to forward to the offerer.
     *
     * @param forCaller options of the leg facing the offerer (the caller, for the initial INVITE); its type is
     *                  ignored since that leg's kind was fixed by the offer
     */
    @Override
    public Future<String> answer(String callId, String fromTag, String toTag, String sdp, LegOptions forCaller) {
        MediaSession session = sessions.get(callId);
        if (session == null) {
            return Future.failedFuture(new IllegalArgumentException("no media session for call " + callId));
        }
        SessionDescription parsed;
        try {
            parsed = SessionDescription.parse(sdp);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return session.enqueue(() -> Future.succeededFuture(session.applyAnswer(parsed, toTag, forCaller)));
    }

    /** Ends the session and gives its sockets back; completes when they are (see {@link #portsInUse}). */
    @Override
    public Future<Void> delete(String callId) {
        return deleteAndReport(callId).mapEmpty();
    }

    /** Ends the session in one visit to its event loop and completes with its final statistics. */
    @Override
    public Future<SessionStatistics> deleteAndReport(String callId) {
        MediaSession session = sessions.get(callId);
        return session == null ? Future.succeededFuture() : session.end(null);
    }

    /**
     * Statistics of a session, or null when there is none. Blocks until the session's event loop computed them
     * (at most 5 s): for tests and tools, never call it on an event loop; {@link #statistics} does not block.
     */
    public SessionStatistics query(String callId) {
        try {
            return statistics(callId).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying " + callId, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("statistics of " + callId + " unavailable", e);
        }
    }

    /** Statistics of a live session (computed on its event loop), null when there is none. */
    @Override
    public Future<SessionStatistics> statistics(String callId) {
        MediaSession session = sessions.get(callId);
        return session == null ? Future.succeededFuture() : session.statisticsOnContext();
    }

    public Set<String> callIds() {
        return Set.copyOf(sessions.keySet());
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** Ports held by sessions right now (RTP + RTCP); returns to 0 when every session has ended. */
    public int portsInUse() {
        return portPool.inUse() - idlePorts.get() - closingPorts.get();
    }

    /** Ports of ended calls whose sockets are kept open for later calls (within MEDIA_PORTS with the others). */
    public int portsIdle() {
        return idlePorts.get();
    }

    /** Datagrams that reached an idle port (late packets of ended calls), dropped. */
    public long packetsDroppedWhileIdle() {
        return droppedWhileIdle.get();
    }

    /** The relay's DTLS certificate fingerprint as written in SDP. */
    public Fingerprint fingerprint() {
        return certificate.fingerprint();
    }

    /** Ends every session (listener told RELAY_CLOSED), closes every socket, stops the timer and DTLS threads. */
    public Future<Void> shutdown() {
        closed = true;
        vertx.cancelTimer(timerId);
        List<Future<SessionStatistics>> ends = new ArrayList<>();
        for (MediaSession s : sessions.values()) {
            ends.add(s.end(EndReason.RELAY_CLOSED));
        }
        return Future.join(ends).transform(ar -> {
            List<Future<Void>> closing = new ArrayList<>();
            for (SocketPool pool : socketPools.values()) {
                Promise<Void> done = Promise.promise();
                pool.loop().execute(() -> {
                    pool.closeAll();
                    done.complete();
                });
                closing.add(done.future());
            }
            return Future.join(closing);
        }).transform(ar -> {
            dtlsExecutor.shutdownNow();
            return Future.succeededFuture();
        });
    }

    @Override
    public void close() {
        shutdown();
    }

    // ---------------------------------------------------------------- package-private collaborators

    Vertx vertx() {
        return vertx;
    }

    RelayConfig config() {
        return config;
    }

    DtlsCertificate certificate() {
        return certificate;
    }

    String fingerprintAttribute() {
        return fingerprintAttribute;
    }

    InetAddress bindAddress() {
        return bindAddress;
    }

    /** Runs DTLS work of the given call; logs (rate-limited) when every handshake thread is busy. */
    Executor dtlsExecutor(String callId) {
        return task -> {
            if (dtlsExecutor.getActiveCount() >= dtlsExecutor.getMaximumPoolSize()) {
                long now = System.nanoTime();
                long last = lastCapLogNanos.get();
                if (now - last >= CAP_LOG_INTERVAL_NANOS && lastCapLogNanos.compareAndSet(last, now)) {
                    LOG.warn("DTLS handshakes at the cap of {} at once (MEDIA_DTLS_HANDSHAKES, RelayConfig.dtlsThreads):"
                            + " call {} and {} other DTLS tasks wait for a free thread", dtlsExecutor.getMaximumPoolSize(), callId,
                            dtlsExecutor.getQueue().size());
                }
            }
            dtlsExecutor.execute(task);
        };
    }

    /** The socket pool of an event loop (created on first use). */
    SocketPool socketPool(EventLoop loop) {
        return socketPools.computeIfAbsent(loop, l -> new SocketPool(l, ((VertxInternal) vertx).transport(),
                portPool, bindAddress, idlePorts, closingPorts, droppedWhileIdle, config.clock(),
                config.portQuarantine().toMillis(), maxIdlePorts));
    }

    void forget(MediaSession session) {
        sessions.remove(session.callId, session);
    }

    private void checkTimeouts() {
        long now = System.currentTimeMillis();
        for (MediaSession s : sessions.values()) {
            s.checkTimeouts(now);
        }
        for (SocketPool pool : socketPools.values()) {
            pool.loop().execute(pool::sweep);
        }
    }

    /**
     * Each session gets its own event-loop context (Vert.x assigns event loops round-robin), so calls spread over
     * the loops even when the proxy calls us from a single loop. When the port range has no number left, a call
     * can only get sockets kept idle by some loop's pool: it goes to the loop with the most.
     */
    private ContextInternal newContext() {
        VertxInternal vx = (VertxInternal) vertx;
        if (portPool.free() < 4) {
            SocketPool richest = null;
            for (SocketPool pool : socketPools.values()) {
                if (richest == null || pool.idlePortCount() > richest.idlePortCount()) {
                    richest = pool;
                }
            }
            if (richest != null && richest.idlePortCount() > 0) {
                return vx.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP)
                        .withEventLoop(richest.loop()).build();
            }
        }
        return vx.createEventLoopContext();
    }

    /** File descriptors this process may still open (the limit minus those open); unlimited when unknown. */
    private static long spareFileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            return Math.max(0, os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount());
        }
        return Long.MAX_VALUE;
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
