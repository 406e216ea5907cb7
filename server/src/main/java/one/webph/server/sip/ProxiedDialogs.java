package one.webph.server.sip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import one.webph.sip.message.CSeq;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.Uri;
import one.webph.sip.transaction.TransactionLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dialogs established through the proxy (an initial INVITE answered 2xx), kept so the proxy itself can end a
 * call with a BYE to both sides when its media died (the relay reports silence, lost ICE consent or a failed
 * DTLS handshake) or when the answer could not be anchored. Per dialog: Call-ID, both tags, both parties'
 * addresses (From/To with tags), remote targets (Contact) and route sets (the Record-Route of the 2xx, which
 * carries our flow tokens) and the highest CSeq each side used. Also holds a late offer (SDP in the 2xx of an
 * INVITE without SDP) until the ACK brings its answer. Single-threaded: the SIP event loop.
 */
final class ProxiedDialogs {
  private static final Logger log = LoggerFactory.getLogger(ProxiedDialogs.class);
  /** A dialog nobody spoke in for this long is forgotten (its parties vanished without a BYE). */
  static final long IDLE_MILLIS = 12L * 3600 * 1000;

  /** One side of a dialog: how the proxy addresses it and the CSeq it last used. */
  static final class Party {
    final NameAddress address;
    final Uri target;
    long cseq;

    Party(NameAddress address, Uri target, long cseq) {
      this.address = address;
      this.target = target;
      this.cseq = cseq;
    }
  }

  /** A dialog: the caller sent the INVITE, the callee answered it. */
  static final class Dialog {
    final String callId;
    final Party caller;
    final Party callee;
    /** The Record-Route of the 2xx, top first (the callee's route set; the caller's reversed). */
    final List<NameAddress> recordRoute;
    /**
     * How far the callee's view of the caller's CSeq runs ahead of the caller's own: 1 when the proxy answered the
     * callee's 401/407 by resending the INVITE with CSeq+1 (the callee saw that number), else 0.
     */
    long callerCSeqOffset;
    /** The callee kind / branch of a late offer waiting for the ACK's answer, else null. */
    MediaAnchor.Leg lateOffer;
    /** The body of the 2xx as relayed to the caller (SDP through the relay), for 2xx retransmissions. */
    byte[] relayedSuccessBody;
    long lastUsedMillis;

    Dialog(String callId, Party caller, Party callee, List<NameAddress> recordRoute, long now) {
      this.callId = callId;
      this.caller = caller;
      this.callee = callee;
      this.recordRoute = List.copyOf(recordRoute);
      this.lastUsedMillis = now;
    }

    String callerTag() {
      return caller.address.tag();
    }

    String calleeTag() {
      return callee.address.tag();
    }
  }

  private final Routing routing;
  private final Map<String, Dialog> dialogs = new HashMap<>();
  private TransactionLayer transactions;
  private volatile CallObserver observer = CallObserver.NONE;

  ProxiedDialogs(Routing routing) {
    this.routing = routing;
  }

  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
  }

  /** Told when a dialog ends (call records). */
  void setCallObserver(CallObserver observer) {
    this.observer = observer;
  }

  int size() {
    return dialogs.size();
  }

  Dialog get(String callId) {
    return dialogs.get(callId);
  }

  /**
   * Records the dialog a 2xx to an initial INVITE creates ({@code invite} as received from the caller,
   * {@code ok} as received from the callee). Returns null when the messages lack what a BYE needs (a Contact).
   */
  Dialog established(SipRequest invite, SipResponse ok, long now) {
    if (ok.contacts().isEmpty() || invite.contacts().isEmpty() || ok.toTag() == null) {
      log.debug("call {}: 2xx or INVITE without Contact, the proxy cannot end this dialog itself", invite.callId());
      return null;
    }
    Party caller = new Party(invite.from(), invite.contacts().get(0).uri(), invite.cseq().number());
    Party callee = new Party(ok.to(), ok.contacts().get(0).uri(), 0);
    Dialog dialog = new Dialog(invite.callId(), caller, callee, ok.recordRoutes(), now);
    dialogs.put(dialog.callId, dialog);
    return dialog;
  }

  /**
   * The offset to add to the CSeq of a request from the caller on its way to the callee (see
   * {@link Dialog#callerCSeqOffset}); 0 for requests from the callee and for unknown dialogs.
   */
  long callerCSeqOffset(SipRequest request) {
    Dialog d = dialogs.get(request.callId());
    return d != null && matches(d.caller, request.fromTag()) ? d.callerCSeqOffset : 0;
  }

  /**
   * A response relayed statelessly (a 2xx retransmission) toward the caller of a dialog whose CSeq numbering the
   * proxy shifted: restore the number the caller used.
   */
  void restoreCallerCSeq(SipResponse response) {
    Dialog d = dialogs.get(response.callId());
    if (d != null && d.callerCSeqOffset != 0 && response.cseq() != null && matches(d.caller, response.fromTag())) {
      response.setHeader(SipHeaders.CSEQ, new CSeq(response.cseq().number() - d.callerCSeqOffset,
          response.cseq().method()).toString());
    }
  }

  /** An in-dialog request passed the proxy: remember its CSeq (our own BYE must use a higher one). */
  void requestSeen(SipRequest request, long now) {
    Dialog d = dialogs.get(request.callId());
    if (request.isMethod(SipMethod.BYE)) {
      // also for a dialog the proxy could not track (no Contact): its call record still ends here
      String who = d == null ? "bye" : matches(d.caller, request.fromTag()) ? "caller hung up"
          : matches(d.callee, request.fromTag()) ? "callee hung up" : "bye";
      ended(request.callId(), who);
    }
    if (d == null || request.cseq() == null) {
      return;
    }
    d.lastUsedMillis = now;
    Party sender = matches(d.caller, request.fromTag()) ? d.caller : matches(d.callee, request.fromTag()) ? d.callee
        : null;
    if (sender != null && !request.isMethod(SipMethod.ACK)) {
      sender.cseq = Math.max(sender.cseq, request.cseq().number());
    }
    if (request.isMethod(SipMethod.BYE)) {
      dialogs.remove(d.callId);
    }
  }

  private static boolean matches(Party p, String tag) {
    return tag != null && tag.equals(p.address.tag());
  }

  /** Forgets the dialogs nobody used for {@link #IDLE_MILLIS} (a BYE that never came). */
  void sweep(long now) {
    dialogs.values().removeIf(d -> {
      boolean idle = now - d.lastUsedMillis > IDLE_MILLIS;
      if (idle) {
        ended(d.callId, "idle");
      }
      return idle;
    });
  }

  private void ended(String callId, String reason) {
    try {
      observer.onDialogEnded(callId, reason);
    } catch (RuntimeException e) {
      log.warn("call observer failed on the end of {}: {}", callId, e.toString());
    }
  }

  /**
   * Ends the dialog with a BYE to each side, each looking as if the other side sent it (its From/To, CSeq one
   * above the sender's last, the route set as that side would use it). Returns false when there was no such
   * dialog. {@code reason} goes into a Reason header (RFC 3326) so the phones can log why.
   */
  boolean hangUp(String callId, String reason) {
    Dialog d = dialogs.remove(callId);
    if (d == null) {
      return false;
    }
    log.info("call {}: hanging up both sides ({})", callId, reason);
    ended(callId, reason);
    // toward the callee: as the caller (UAC route set = Record-Route reversed)
    List<NameAddress> towardCallee = new ArrayList<>(d.recordRoute);
    Collections.reverse(towardCallee);
    send(d, d.caller, d.callee, towardCallee, reason);
    // toward the caller: as the callee (UAS route set = Record-Route in order)
    send(d, d.callee, d.caller, d.recordRoute, reason);
    return true;
  }

  private void send(Dialog d, Party from, Party to, List<NameAddress> routeSet, String reason) {
    SipRequest bye = new SipRequest(SipMethod.BYE, to.target);
    bye.setFrom(from.address);
    bye.setTo(to.address);
    bye.setHeader(SipHeaders.CALL_ID, d.callId);
    from.cseq = Math.min(CSeq.MAX, from.cseq + 1);
    // the callee knows the caller's numbering shifted by the offset (our resent INVITE after its challenge)
    long cseq = from == d.caller ? Math.min(CSeq.MAX, from.cseq + d.callerCSeqOffset) : from.cseq;
    bye.setHeader(SipHeaders.CSEQ, cseq + " " + SipMethod.BYE);
    bye.setHeader(SipHeaders.MAX_FORWARDS, "70");
    bye.setHeader(SipHeaders.REASON, "SIP;cause=200;text=\"" + reason.replace("\"", "'") + "\"");
    // Only the part of the route set from our own entries on: proxies beyond us on the other side are behind.
    boolean ours = false;
    for (NameAddress route : routeSet) {
      ours |= routing.isOurRouteUri(route.sipUri());
      if (ours) {
        bye.addHeader(SipHeaders.ROUTE, route.toString());
      }
    }
    Routing.PoppedRoutes popped = routing.popOurRoutes(bye);
    Routing.Target target = routing.nextHop(bye, popped);
    if (!target.reachable()) {
      log.info("call {}: cannot reach {} for the BYE (connection gone)", d.callId, to.target);
      return;
    }
    bye.pushVia(routing.newVia(target.hop().transport(), Routing.loopHash(bye)));
    bye.setBody(null, null);
    try {
      transactions.sendRequest(bye, target.hop());
    } catch (RuntimeException e) {
      log.info("call {}: BYE to {} failed: {}", d.callId, to.target, e.toString());
    }
  }
}
