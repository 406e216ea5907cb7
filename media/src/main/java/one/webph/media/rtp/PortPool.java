package one.webph.media.rtp;

import java.util.BitSet;

/**
 * Bookkeeping of UDP ports in a range for media sockets. The pool only reserves numbers; the caller binds and, when
 * the bind fails because another process holds the port, releases it and asks again: the rotating cursor then moves
 * past it. Rotation also keeps a just-freed port unused for a while, so late packets of an old call do not land in a
 * new one (the relay keeps most ended calls' sockets open instead, see {@code SocketPool}: they hold their numbers).
 *
 * <p>Thread-safe (synchronized; reservations are rare compared with packets).
 */
public final class PortPool {
    private final int minPort;
    private final int maxPort;
    private final BitSet used = new BitSet();
    private int cursor;
    private int inUse;

    public PortPool(int minPort, int maxPort) {
        if (minPort < 1024 || maxPort > 65535 || minPort >= maxPort) {
            throw new IllegalArgumentException("bad port range " + minPort + "-" + maxPort);
        }
        this.minPort = minPort;
        this.maxPort = maxPort;
        this.cursor = minPort;
    }

    public int minPort() {
        return minPort;
    }

    public int maxPort() {
        return maxPort;
    }

    public int capacity() {
        return maxPort - minPort + 1;
    }

    /** Number of ports currently reserved (for leak checks and metrics). */
    public synchronized int inUse() {
        return inUse;
    }

    /** Number of ports not reserved. */
    public synchronized int free() {
        return capacity() - inUse;
    }

    /**
     * Reserves one port (any parity) or, when {@code pair}, an even port whose odd successor is free too (RTP +
     * RTCP, RFC 3550 section 11). Returns the (first) port, or -1 when the range is exhausted.
     */
    public synchronized int reserve(boolean pair) {
        int span = capacity();
        for (int i = 0; i < span; i++) {
            int port = minPort + Math.floorMod(cursor - minPort + i, span);
            if (pair) {
                if ((port & 1) != 0 || port + 1 > maxPort || used.get(port) || used.get(port + 1)) {
                    continue;
                }
                used.set(port);
                used.set(port + 1);
                inUse += 2;
                cursor = port + 2 > maxPort ? minPort : port + 2;
                return port;
            }
            if (!used.get(port)) {
                used.set(port);
                inUse++;
                cursor = port + 1 > maxPort ? minPort : port + 1;
                return port;
            }
        }
        return -1;
    }

    /** Releases one port; releasing a port that is not reserved is a no-op (so double release cannot corrupt). */
    public synchronized void release(int port) {
        if (port >= minPort && port <= maxPort && used.get(port)) {
            used.clear(port);
            inUse--;
        }
    }

    public synchronized boolean isReserved(int port) {
        return used.get(port);
    }
}
