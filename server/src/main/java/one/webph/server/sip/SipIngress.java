package one.webph.server.sip;

import io.vertx.core.net.SocketAddress;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import one.webph.sip.transport.SipTransportListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stop of every message the transport decodes: scanners and flooding sources are dropped here, silently
 * and before any transaction (so not even a 100 Trying goes back); the rest goes to the transaction layer.
 *
 * <p>Overload (RFC 6357): when the UDP receive queue has not drained for a while (the transport's backlog) and
 * peers retransmit a tenth or more of their requests (our answers come later than T1: the start of a
 * retransmission storm, where a server past capacity would let every transaction time out), new requests (no To
 * tag, not ACK or CANCEL, no transaction yet) are answered 503 with Retry-After at once, without a transaction,
 * until the queue drains; what is under way (responses, ACK, BYE, CANCEL, retransmissions of started transactions)
 * is still served, so the server keeps completing calls at its capacity. A backlog alone (a burst, a GC pause, a
 * JIT-cold start that still answers in time) refuses nothing.
 */
final class SipIngress implements SipTransportListener {
  private static final Logger log = LoggerFactory.getLogger(SipIngress.class);
  private final FloodGuard flood;
  private final SipMetrics metrics;
  private TransactionLayer transactions;
  private BooleanSupplier backlogged = () -> false;
  private BiConsumer<SipResponse, SipFlow> responder = (r, f) -> { };
  private LongSupplier clockMillis = System::currentTimeMillis;
  /** New requests are refused (until the backlog clears). Event loop only, like the fields below. */
  private boolean refusing;
  /** The window over which the retransmission share is measured while backlogged (start -1: none). */
  private long windowStartMillis = -1;
  private long windowRequests;
  private long windowRetransmissions;
  /** Window length, least requests per window to judge, and share of retransmissions that means overload. */
  static final long WINDOW_MILLIS = 250;
  static final int WINDOW_MIN_REQUESTS = 20;
  static final int RETRANSMISSION_PERCENT = 10;

  SipIngress(FloodGuard flood, SipMetrics metrics) {
    this.flood = flood;
    this.metrics = metrics;
  }

  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
  }

  /** Where the backlog is read and 503s are sent. */
  void setTransport(SipTransportLayer transport) {
    setOverload(transport::isBacklogged, transport::sendResponse, System::currentTimeMillis);
  }

  /** Tests: what says the UDP queue is not draining, how a refusal is sent, the clock. */
  void setOverload(BooleanSupplier backlogged, BiConsumer<SipResponse, SipFlow> responder, LongSupplier clockMillis) {
    this.backlogged = backlogged;
    this.responder = responder;
    this.clockMillis = clockMillis;
  }

  /** Whether new requests are refused now: see the class comment. */
  private boolean overloaded() {
    if (!backlogged.getAsBoolean()) {
      if (refusing) {
        refusing = false;
        log.info("SIP: the receive queue drained: new requests are accepted again");
      }
      windowStartMillis = -1;
      return false;
    }
    if (refusing) {
      return true;
    }
    long now = clockMillis.getAsLong();
    long requests = transactions.requestCount();
    long retransmissions = transactions.retransmissionCount();
    if (windowStartMillis >= 0 && now - windowStartMillis < WINDOW_MILLIS) {
      return false;
    }
    if (windowStartMillis >= 0) {
      long r = requests - windowRequests;
      long x = retransmissions - windowRetransmissions;
      if (r >= WINDOW_MIN_REQUESTS && x * 100 >= r * RETRANSMISSION_PERCENT) {
        refusing = true;
        log.warn("SIP over capacity: the receive queue is not draining and peers retransmit {} of {} requests: "
            + "new requests get 503 until it drains", x, r);
        return true;
      }
    }
    windowStartMillis = now;
    windowRequests = requests;
    windowRetransmissions = retransmissions;
    return false;
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
      if (isNewWork(request) && overloaded()
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
