package one.webph.sip.transaction;

import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.Transport;

/**
 * Where a client transaction sends its request: an existing flow (preferred while open), or a transport and
 * address to connect to.
 */
public record Hop(Transport transport, String host, int port, SipFlow flow) {
    public static Hop of(SipFlow flow) {
        return new Hop(flow.transport(), flow.remoteAddress().hostAddress(), flow.remoteAddress().port(), flow);
    }

    public static Hop of(Transport transport, String host, int port) {
        return new Hop(transport, host, port, null);
    }

    public boolean isReliable() {
        return transport.isReliable();
    }
}
