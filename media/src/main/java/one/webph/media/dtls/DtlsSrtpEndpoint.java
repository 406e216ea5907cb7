package one.webph.media.dtls;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.srtp.SrtpKeys;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DTLS-SRTP association (RFC 5763/5764) on a media leg whose encryption we terminate.
 *
 * <p>Threading: BouncyCastle's DTLS handshake is a blocking loop (it waits for records with timeouts and
 * retransmits flights itself). Running it on a Vert.x event loop would stall every other call on that loop, so
 * {@link #start()} runs it on the given executor (a small pool shared by the relay; one thread is busy only while
 * a handshake is in progress, typically well under a second). The event loop feeds received DTLS records with
 * {@link #receive(byte[])}, which only enqueues. After the handshake, records that still arrive (a peer that missed
 * our last flight retransmits its own) are processed by short tasks on the same executor, so BC can resend its
 * final flight; no thread stays parked per call. A server starts its handshake only when the peer's first record
 * (the ClientHello) arrives, so answered calls whose browser has not spoken yet hold no thread, and every handshake
 * ends within its timeout, so a peer that goes silent half-way frees its thread too.
 */
public final class DtlsSrtpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DtlsSrtpEndpoint.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DtlsRole role;
    private final DtlsCertificate certificate;
    private final Fingerprint expectedPeerFingerprint;
    private final Executor executor;
    private final int handshakeTimeoutMillis;
    private final QueueDatagramTransport transport;
    private final CompletableFuture<SrtpKeys> result = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile DTLSTransport established;
    private volatile boolean closed;

    /**
     * @param sender called (from the handshake thread) with each outgoing DTLS datagram; it must hand the bytes to
     *               the socket without blocking and send them to the currently latched peer address
     */
    public DtlsSrtpEndpoint(DtlsRole role, DtlsCertificate certificate, Fingerprint expectedPeerFingerprint,
                            Executor executor, java.util.function.Consumer<byte[]> sender) {
        this(role, certificate, expectedPeerFingerprint, executor,
                Duration.ofMillis(SrtpTlsPeers.HANDSHAKE_TIMEOUT_MILLIS), sender);
    }

    /** @param handshakeTimeout the handshake fails when not finished this long after it started */
    public DtlsSrtpEndpoint(DtlsRole role, DtlsCertificate certificate, Fingerprint expectedPeerFingerprint,
                            Executor executor, Duration handshakeTimeout, java.util.function.Consumer<byte[]> sender) {
        this.role = role;
        this.certificate = certificate;
        this.expectedPeerFingerprint = expectedPeerFingerprint;
        this.executor = executor;
        this.handshakeTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, handshakeTimeout.toMillis()));
        this.transport = new QueueDatagramTransport(sender::accept);
    }

    public DtlsRole role() {
        return role;
    }

    /** Completes with the SRTP keys, or exceptionally with {@link DtlsHandshakeException}. */
    public CompletableFuture<SrtpKeys> keys() {
        return result;
    }

    public boolean isStarted() {
        return started.get();
    }

    /** Starts the handshake on the executor; further calls do nothing. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        executor.execute(this::runHandshake);
    }

    private void runHandshake() {
        BcTlsCrypto crypto = new BcTlsCrypto(RANDOM);
        try {
            SrtpKeys keys;
            if (role == DtlsRole.SERVER) {
                SrtpTlsPeers.Server server = new SrtpTlsPeers.Server(crypto, certificate, expectedPeerFingerprint,
                        handshakeTimeoutMillis);
                established = new DTLSServerProtocol().accept(server, transport);
                keys = server.keys;
            } else {
                SrtpTlsPeers.Client client = new SrtpTlsPeers.Client(crypto, certificate, expectedPeerFingerprint,
                        handshakeTimeoutMillis);
                established = new DTLSClientProtocol().connect(client, transport);
                keys = client.keys;
            }
            if (keys == null) {
                throw new DtlsHandshakeException("handshake finished without SRTP keys");
            }
            result.complete(keys);
            drainAfterHandshake();
        } catch (Exception e) {
            if (!closed) {
                LOG.debug("DTLS handshake failed ({}): {}", role, e.toString());
            }
            transport.close();
            result.completeExceptionally(e instanceof DtlsHandshakeException ? e
                    : new DtlsHandshakeException("DTLS handshake failed: " + e.getMessage(), e));
        }
    }

    /**
     * Called on the event loop for each DTLS record from the peer; never blocks. The first record starts a server's
     * handshake (see the class comment).
     */
    public void receive(byte[] datagram) {
        if (closed || !transport.enqueue(datagram)) {
            return;
        }
        if (established != null) {
            executor.execute(this::drainAfterHandshake);
        } else if (role == DtlsRole.SERVER) {
            start();
        }
    }

    private void drainAfterHandshake() {
        DTLSTransport dtls = established;
        if (dtls == null || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            byte[] buf = new byte[QueueDatagramTransport.MTU];
            while (!closed && transport.hasPending()) {
                // Application data is not used in DTLS-SRTP without data channels; reading lets BC answer a
                // retransmitted final flight and process alerts.
                dtls.receive(buf, 0, buf.length, 1);
            }
        } catch (IOException e) {
            LOG.debug("DTLS record after handshake rejected: {}", e.toString());
        } finally {
            draining.set(false);
        }
    }

    @Override
    public void close() {
        closed = true;
        DTLSTransport dtls = established;
        if (dtls != null) {
            executor.execute(() -> {
                try {
                    dtls.close(); // sends close_notify while the transport can still send
                } catch (IOException ignored) {
                    // peer may be gone already
                } finally {
                    transport.close();
                }
            });
        } else {
            transport.close(); // a handshake thread blocked in receive() gives up within its poll interval
        }
        result.completeExceptionally(new DtlsHandshakeException("closed"));
    }
}
