package one.webph.sip.transaction;

import io.vertx.core.Future;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transport.SipFlow;

/** What the transaction layer needs from the transport: implemented by {@link TransportSender}, or fakes in tests. */
public interface SipSender {
    /** Sends a request to the hop; completes with the flow used. */
    Future<SipFlow> sendRequest(SipRequest request, Hop hop);

    /** Sends a response per RFC 3261 18.2.2 (see SipTransportLayer#sendResponse). */
    Future<Void> sendResponse(SipResponse response, SipFlow requestFlow);
}
