package one.webph.media.dtls;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.DatagramTransport;

/**
 * BouncyCastle's DTLS engine reads datagrams by blocking. Our socket is owned by a Vert.x event loop that must
 * never block, so the event loop only {@link #enqueue}s DTLS records and the handshake thread blocks on this queue
 * instead. Outgoing records go to a {@link Sender} that hands them to the event loop socket.
 */
final class QueueDatagramTransport implements DatagramTransport {
    /** UDP payload budget that fits a 1280-byte IPv6 path with headers; BC fragments handshake messages to it. */
    static final int MTU = 1200;
    /** Records in flight during a handshake are few; the bound stops a flood from growing memory. */
    private static final int QUEUE_CAPACITY = 64;

    interface Sender {
        void send(byte[] datagram);
    }

    private final BlockingQueue<byte[]> incoming = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Sender sender;
    private volatile boolean closed;

    QueueDatagramTransport(Sender sender) {
        this.sender = sender;
    }

    /** Called from the event loop; drops the record when the queue is full (DTLS retransmits). */
    boolean enqueue(byte[] datagram) {
        return !closed && incoming.offer(datagram);
    }

    boolean hasPending() {
        return !incoming.isEmpty();
    }

    @Override
    public int getReceiveLimit() {
        return MTU;
    }

    @Override
    public int getSendLimit() {
        return MTU;
    }

    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        if (closed) {
            throw new IOException("DTLS transport closed");
        }
        try {
            byte[] d = incoming.poll(Math.max(waitMillis, 1), TimeUnit.MILLISECONDS);
            if (d == null) {
                if (closed) {
                    throw new IOException("DTLS transport closed");
                }
                return -1; // timeout: BC decides whether to retransmit
            }
            int n = Math.min(len, d.length);
            System.arraycopy(d, 0, buf, off, n);
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("DTLS receive interrupted");
        }
    }

    @Override
    public void send(byte[] buf, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("DTLS transport closed");
        }
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        sender.send(copy);
    }

    @Override
    public void close() {
        closed = true;
        incoming.clear();
    }
}
