package one.webph.media.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoop;
import io.vertx.core.spi.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import one.webph.media.rtp.PortPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media sockets of one event loop: bound for calls on that loop, and kept open when a call ends so a later call
 * on the loop takes them as they are. Opening a socket (socket, options, bind, epoll registration) and closing it
 * were most of a call's setup and teardown CPU (docs/PERFORMANCE.md, Media, "Call setup and teardown").
 *
 * <p>Why a reused port cannot hand one call's media to another: an idle socket still reads its datagrams (and drops
 * them), noting when the last one came; it is handed out again only once it has been quiet for the quarantine
 * ({@link RelayConfig#portQuarantine}, counted from the call's end or its last late packet), and the new call's legs
 * start with nothing latched, so the first packets decide anew where media goes. A port that keeps receiving
 * after its call (a phone that never got the BYE) is not reused while the range has other ports; it is closed after
 * {@link #lifetimeMillis} like every idle socket nobody took, and its number returns to the rotating
 * {@link PortPool}.
 *
 * <p>Bounded by MEDIA_PORTS: an idle socket keeps its number reserved in the {@link PortPool}, so open sockets never
 * exceed the range; and by the file descriptors: the relay keeps at most {@code maxIdlePorts} idle (half of what
 * the process may still open when the relay starts, see {@link MediaRelay}), closing what a call gives back beyond
 * that, so idle media sockets never starve SIP, HTTP and database connections. When no number is left (the range is too small for the call rate times the quarantine), a call
 * takes the idle socket of its loop released the longest ago even within its quarantine (logged): the gap between
 * two calls on a port is then what the old close-and-rebind rotation gave (range / ports per second), minus the
 * sockets and system calls; the relay starts new calls on the loop with the most idle sockets then
 * ({@link MediaRelay}), so no loop runs dry while another holds the numbers.
 *
 * <p>Touched only on its event loop (no locks), except the relay-wide counters of idle ports and dropped packets.
 */
final class SocketPool {
    private static final Logger LOG = LoggerFactory.getLogger(SocketPool.class);

    /** An RTP socket and, on a plain leg, the RTCP socket on the next (odd) port; the idle receiver of both. */
    static final class Sockets implements RelaySocket.Receiver {
        final RelaySocket rtp;
        final RelaySocket rtcp;
        private final SocketPool pool;
        long releasedMillis;
        /** The later of the release and the last datagram received since. */
        long quietSinceMillis;

        private Sockets(SocketPool pool, RelaySocket rtp, RelaySocket rtcp) {
            this.pool = pool;
            this.rtp = rtp;
            this.rtcp = rtcp;
        }

        boolean pair() {
            return rtcp != null;
        }

        int ports() {
            return rtcp == null ? 1 : 2;
        }

        @Override
        public void onPacket(ByteBuf data, InetSocketAddress sender) {
            // A late packet of the call that ended (or anyone's): dropped, and the quarantine starts again.
            quietSinceMillis = pool.clock.getAsLong();
            pool.droppedWhileIdle.incrementAndGet();
        }
    }

    private final EventLoop loop;
    private final Transport transport;
    private final PortPool ports;
    private final InetAddress bindAddress;
    private final AtomicInteger idlePorts;
    private final AtomicInteger closingPorts;
    private final AtomicLong droppedWhileIdle;
    private final LongSupplier clock;
    private final long quarantineMillis;
    private final long lifetimeMillis;
    private final int maxIdlePorts;
    /** Ports idle in this pool: read by the relay from other threads to pick a loop for a new call. */
    private volatile int idleHere;
    /** Idle sockets in the order they were released (late packets move one to the back). */
    private final ArrayDeque<Sockets> pairs = new ArrayDeque<>();
    private final ArrayDeque<Sockets> singles = new ArrayDeque<>();
    private long lastPressureLogMillis;
    private boolean closed;

    SocketPool(EventLoop loop, Transport transport, PortPool ports, InetAddress bindAddress,
               AtomicInteger idlePorts, AtomicInteger closingPorts, AtomicLong droppedWhileIdle, LongSupplier clock,
               long quarantineMillis, int maxIdlePorts) {
        this.loop = loop;
        this.transport = transport;
        this.ports = ports;
        this.bindAddress = bindAddress;
        this.idlePorts = idlePorts;
        this.closingPorts = closingPorts;
        this.droppedWhileIdle = droppedWhileIdle;
        this.clock = clock;
        this.quarantineMillis = quarantineMillis;
        // Long enough to be reused at a steady rate, short enough that a burst's sockets do not stay open for good.
        this.lifetimeMillis = Math.max(30_000, 2 * quarantineMillis);
        this.maxIdlePorts = maxIdlePorts;
        this.lastPressureLogMillis = clock.getAsLong() - 10_000;
    }

    EventLoop loop() {
        return loop;
    }

    int idlePortCount() {
        return idleHere;
    }

    /**
     * Sockets for one leg, receiving into {@code rtp} / {@code rtcp} from now on: an idle socket past its
     * quarantine, else a newly bound port, else (no number or no file descriptor left) one of the idle sockets
     * released the longest ago, within its quarantine or not. Null when there is no socket at all.
     */
    Sockets acquire(boolean pair, RelaySocket.Receiver rtp, RelaySocket.Receiver rtcp) {
        long now = clock.getAsLong();
        Sockets s = takeIdle(pair, now);
        if (s == null) {
            s = bind(pair);
        }
        if (s == null) {
            s = takeOldest(pair);
            if (s != null) {
                logPressure("media ports " + ports.minPort() + "-" + ports.maxPort() + " exhausted: reusing port "
                        + s.rtp.port() + " " + (now - s.quietSinceMillis) + " ms after its last packet (quarantine "
                        + quarantineMillis + " ms); widen MEDIA_PORTS");
            }
        }
        if (s == null) {
            return null;
        }
        s.rtp.receiver(rtp);
        if (s.rtcp != null) {
            s.rtcp.receiver(rtcp);
        }
        return s;
    }

    /**
     * Takes the sockets back from a call (which must not use them any more) and keeps them idle, or closes them
     * when the relay already keeps {@code maxIdlePorts} idle (their numbers go back to the rotating pool).
     */
    void release(Sockets s) {
        if (closed || idlePorts.get() + s.ports() > maxIdlePorts) {
            close(s);
            return;
        }
        long now = clock.getAsLong();
        s.releasedMillis = now;
        s.quietSinceMillis = now;
        keepIdle(s);
        (s.pair() ? pairs : singles).addLast(s);
    }

    /** Closes idle sockets nobody took within the lifetime (once a second, from the relay's timer). */
    void sweep() {
        long now = clock.getAsLong();
        pairs.removeIf(s -> closeIfExpired(s, now));
        singles.removeIf(s -> closeIfExpired(s, now));
    }

    /** Closes every idle socket, and from now on those released too (relay shutdown). */
    void closeAll() {
        closed = true;
        for (ArrayDeque<Sockets> q : List.of(pairs, singles)) {
            while (!q.isEmpty()) {
                Sockets s = q.pollFirst();
                leaveIdle(s);
                close(s);
            }
        }
    }

    // ---------------------------------------------------------------- internals

    private void logPressure(String message) {
        long now = clock.getAsLong();
        if (now - lastPressureLogMillis >= 10_000) {
            lastPressureLogMillis = now;
            LOG.warn(message);
        }
    }

    /** The first idle sockets past their quarantine; a late packet sends sockets to the back of the queue. */
    private Sockets takeIdle(boolean pair, long now) {
        Sockets s = takeIdle(pair ? pairs : singles, now);
        if (s == null && !pair) {
            // A browser leg needs one port: split a plain leg's pair, its RTCP socket stays idle as a single.
            Sockets split = takeIdle(pairs, now);
            if (split != null) {
                Sockets rtcpOnly = new Sockets(this, split.rtcp, null);
                rtcpOnly.releasedMillis = split.releasedMillis;
                rtcpOnly.quietSinceMillis = split.quietSinceMillis;
                split.rtcp.receiver(rtcpOnly);
                singles.addFirst(rtcpOnly);
                idlePorts.incrementAndGet();
                idleHere++;
                s = new Sockets(this, split.rtp, null);
            }
        }
        return s;
    }

    private Sockets takeIdle(ArrayDeque<Sockets> q, long now) {
        for (int i = q.size(); i > 0; i--) {
            Sockets s = q.peekFirst();
            if (now - s.releasedMillis < quarantineMillis) {
                return null; // the rest were released later still
            }
            q.pollFirst();
            if (now - s.quietSinceMillis >= quarantineMillis) {
                leaveIdle(s);
                return s;
            }
            q.addLast(s); // late packets: quarantine restarted
        }
        return null;
    }

    /**
     * Under port pressure: of the idle sockets released the longest ago (the first few of the queue), the one quiet
     * for the longest, within its quarantine or not.
     */
    private Sockets takeOldest(boolean pair) {
        ArrayDeque<Sockets> q = pair ? pairs : singles;
        if (q.isEmpty() && !pair && !pairs.isEmpty()) {
            Sockets split = takeOldest(true);
            close(new Sockets(this, split.rtcp, null));
            return new Sockets(this, split.rtp, null);
        }
        Sockets best = null;
        int looked = 0;
        for (Sockets s : q) {
            if (best == null || s.quietSinceMillis < best.quietSinceMillis) {
                best = s;
            }
            if (++looked == 8) {
                break;
            }
        }
        if (best != null) {
            q.remove(best);
            leaveIdle(best);
        }
        return best;
    }

    /** Reserves numbers and binds; a port held by another process is skipped for the next one. */
    private Sockets bind(boolean pair) {
        for (int attempt = 0; attempt < ports.capacity(); attempt++) {
            int port = ports.reserve(pair);
            if (port < 0) {
                return null;
            }
            RelaySocket rtp = null;
            RelaySocket rtcp = null;
            try {
                rtp = RelaySocket.open(transport, loop, bindAddress, port, null);
                rtcp = rtp != null && pair ? RelaySocket.open(transport, loop, bindAddress, port + 1, null) : null;
            } catch (ChannelException e) {
                // No file descriptor left (the process limit): idle sockets of this loop may still serve.
                logPressure("cannot open a media socket (" + e.getCause() + ")");
                attempt = ports.capacity();
            }
            if (rtp != null && (rtcp != null || !pair)) {
                return new Sockets(this, rtp, rtcp);
            }
            if (rtp != null) {
                rtp.close();
            }
            ports.release(port);
            if (pair) {
                ports.release(port + 1);
            }
        }
        return null;
    }

    private boolean closeIfExpired(Sockets s, long now) {
        if (now - s.releasedMillis < lifetimeMillis) {
            return false;
        }
        leaveIdle(s);
        close(s);
        return true;
    }

    private void keepIdle(Sockets s) {
        s.rtp.receiver(s);
        if (s.rtcp != null) {
            s.rtcp.receiver(s);
        }
        idlePorts.addAndGet(s.ports());
        idleHere += s.ports();
    }

    private void leaveIdle(Sockets s) {
        idlePorts.addAndGet(-s.ports());
        idleHere -= s.ports();
    }

    private void close(Sockets s) {
        s.rtp.close();
        if (s.rtcp != null) {
            s.rtcp.close();
        }
        // NIO closes a registered channel's kernel socket only when the loop next polls: the numbers go back after
        // that (a later loop turn), or binding them again at once would fail.
        closingPorts.addAndGet(s.ports());
        Runnable giveBack = () -> {
            ports.release(s.rtp.port());
            if (s.rtcp != null) {
                ports.release(s.rtcp.port());
            }
            closingPorts.addAndGet(-s.ports());
        };
        try {
            loop.schedule(giveBack, 10, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            giveBack.run(); // the loop is stopping: nothing binds on it any more
        }
    }
}
