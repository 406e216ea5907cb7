package one.webph.sip.transport;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import one.webph.sip.message.SipMessage;

/**
 * A path to a peer: a TCP/TLS/WebSocket connection, or for UDP the pair (our socket, remote address).
 * The {@link #id()} is stable for the flow's lifetime and can be stored (e.g. with a registered contact) and
 * resolved again with {@link SipTransportLayer#flow(String)}; for UDP it depends only on the addresses.
 * Sending on a flow reuses the connection a message arrived on, which is how responses and requests reach
 * NAT'd clients (RFC 5626 / RFC 7118).
 */
public interface SipFlow {
    String id();

    Transport transport();

    SocketAddress localAddress();

    SocketAddress remoteAddress();

    /** False once a connection has closed; UDP flows are always open while the socket is. */
    boolean isOpen();

    /** Serialises and sends a message on this flow. */
    Future<Void> send(SipMessage message);

    /** Closes the connection (no-op for UDP). */
    void close();
}
