package one.webph.sip.transaction;

import io.vertx.core.Future;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;

/** {@link SipSender} over a {@link SipTransportLayer}. */
public final class TransportSender implements SipSender {
    private final SipTransportLayer transport;

    public TransportSender(SipTransportLayer transport) {
        this.transport = transport;
    }

    @Override
    public Future<SipFlow> sendRequest(SipRequest request, Hop hop) {
        if (hop.flow() != null && hop.flow().isOpen()) {
            return hop.flow().send(request).map(v -> hop.flow());
        }
        return transport.send(request, hop.transport(), hop.host(), hop.port());
    }

    @Override
    public Future<Void> sendResponse(SipResponse response, SipFlow requestFlow) {
        return transport.sendResponse(response, requestFlow);
    }
}
