package one.webph.server.sip;

import io.vertx.core.net.SocketAddress;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportListener;

/**
 * First stop of every message the transport decodes: scanners and flooding sources are dropped here, silently
 * and before any transaction (so not even a 100 Trying goes back); the rest goes to the transaction layer.
 *
 * <p>Overload: while the transport says it is congested (a UDP receive queue not draining), new requests (no To
 * tag, not ACK or CANCEL, no transaction yet) are answered 503 with Retry-After at once, without a transaction,
 * so that what is under way (responses, ACK, BYE, CANCEL, retransmissions of started transactions) is still
 * served: past capacity the server keeps completing calls at capacity instead of letting every transaction time
 * out in a storm of retransmissions (RFC 6357).
 */
final class SipIngress implements SipTransportListener {
  private final FloodGuard flood;
  private final SipMetrics metrics;
  private TransactionLayer transactions;
  private BooleanSupplier congested = () -> false;
  private BiConsumer<SipResponse, SipFlow> responder = (r, f) -> { };

  SipIngress(FloodGuard flood, SipMetrics metrics) {
    this.flood = flood;
    this.metrics = metrics;
  }

  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
  }

  /** Where overload is read and 503s are sent. */
  void setTransport(SipTransportLayer transport) {
    setOverload(transport::isCongested, transport::sendResponse);
  }

  /** Tests: what says the server is over capacity, and how a refusal is sent. */
  void setOverload(BooleanSupplier congested, BiConsumer<SipResponse, SipFlow> responder) {
    this.congested = congested;
    this.responder = responder;
  }

  @Override
  public void onMessage(SipMessage message, SipFlow flow, SocketAddress source) {
    if (message instanceof SipRequest request) {
      String ip = source.hostAddress() != null ? source.hostAddress() : source.host();
      switch (flood.check(ip, request.header(SipHeaders.USER_AGENT))) {
        case DROP_SCANNER -> {
          metrics.droppedScanner();
          return;
        }
        case DROP_FLOOD -> {
          metrics.droppedFlood();
          return;
        }
        default -> { }
      }
      if (congested.getAsBoolean() && isNewWork(request)
          && transactions.findServerTransaction(request, request.method()) == null) {
        refuse(request, flow);
        return;
      }
    }
    transactions.onMessage(message, flow, source);
  }

  /** A request that would start something: initial (no To tag), and not the ACK or CANCEL of an INVITE. */
  private static boolean isNewWork(SipRequest request) {
    return request.toTag() == null && !request.isMethod(SipMethod.ACK) && !request.isMethod(SipMethod.CANCEL);
  }

  private void refuse(SipRequest request, SipFlow flow) {
    metrics.refusedOverload();
    SipResponse r = SipService.localResponse(request, 503, "Service Unavailable");
    r.addHeader("Retry-After", "5");
    responder.accept(r, flow);
  }

  @Override
  public void onFlowClosed(SipFlow flow) {
    transactions.onFlowClosed(flow);
  }
}
