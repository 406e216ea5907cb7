package one.webph.sip.transport;

import io.vertx.core.net.SocketAddress;
import one.webph.sip.message.SipMessage;

/**
 * Receives what the transport layer decodes. All callbacks run on the layer's core context (one event loop),
 * whatever connection or event loop the data arrived on, so the SIP core above can be single-threaded.
 */
public interface SipTransportListener {

    /**
     * A well-formed message. Requests already have {@code received}/{@code rport} stamped on their top Via
     * (RFC 3261 18.2.1, RFC 3581). {@code source} is the packet source or connection peer.
     */
    void onMessage(SipMessage message, SipFlow flow, SocketAddress source);

    /** A TCP/TLS/WebSocket connection closed (either side). Contacts bound to it are now unreachable. */
    default void onFlowClosed(SipFlow flow) { }
}
