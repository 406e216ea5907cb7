package one.webph.server.sip;

import io.vertx.core.net.SocketAddress;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportListener;

/**
 * First stop of every message the transport decodes: scanners and flooding sources are dropped here, silently
 * and before any transaction (so not even a 100 Trying goes back); the rest goes to the transaction layer.
 */
final class SipIngress implements SipTransportListener {
  private final FloodGuard flood;
  private final SipMetrics metrics;
  private TransactionLayer transactions;

  SipIngress(FloodGuard flood, SipMetrics metrics) {
    this.flood = flood;
    this.metrics = metrics;
  }

  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
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
    }
    transactions.onMessage(message, flow, source);
  }

  @Override
  public void onFlowClosed(SipFlow flow) {
    transactions.onFlowClosed(flow);
  }
}
