package one.webph.server.sip;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import one.webph.sip.auth.DigestChallenge;
import one.webph.sip.auth.DigestCredentials;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.CSeq;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.SipUri;
import one.webph.sip.transaction.ClientTransaction;
import one.webph.sip.transaction.ServerTransaction;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful proxy of RFC 3261 section 16: one {@link Call} (response context) per proxied server
 * transaction, one {@link Branch} (client transaction) per target. Forwards provisional responses, forwards
 * every 2xx and cancels the other branches, picks the best final response when all branches failed (16.7 step
 * 6), runs Timer C for INVITEs and turns transport failures into an immediate 503 for that branch only.
 * Single-threaded: everything runs on the SIP event loop.
 */
final class ProxyCore {
  private static final Logger log = LoggerFactory.getLogger(ProxyCore.class);

  private final Vertx vertx;
  private final SipSettings settings;
  private final Routing routing;
  private final MediaAnchor media;
  private final CallHooks hooks;
  private final SipMetrics metrics;
  private final ProxiedDialogs dialogs;
  private TransactionLayer transactions;
  private final Set<Call> active = new HashSet<>();
  /** The branch being started: a send that fails synchronously reports before its data is attached. */
  private Branch starting;
  /** Told of every initial INVITE's outcome and dialog end (call records); set once the records component runs. */
  private volatile CallObserver observer = CallObserver.NONE;

  ProxyCore(Vertx vertx, SipSettings settings, Routing routing, MediaAnchor media, CallHooks hooks,
      SipMetrics metrics, ProxiedDialogs dialogs) {
    this.dialogs = dialogs;
    this.vertx = vertx;
    this.settings = settings;
    this.routing = routing;
    this.media = media;
    this.hooks = hooks;
    this.metrics = metrics;
  }

  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
  }

  /** Plugs in the call records; the dialogs report their ends to it too. */
  void setCallObserver(CallObserver observer) {
    this.observer = java.util.Objects.requireNonNull(observer);
    dialogs.setCallObserver(observer);
  }

  int activeCalls() {
    return active.size();
  }

  /** A branch: one target of a call with its client transaction. */
  final class Branch {
    final Call call;
    final Routing.Target target;
    ClientTransaction transaction;
    SipResponse finalResponse;
    boolean provisional;
    /** The request was resent with credentials after a 401/407 (at most once per branch). */
    boolean challengeAnswered;
    /**
     * The 2xx as relayed upstream (its SDP already anchored), resent as it is when the callee retransmits its 2xx:
     * anchoring a retransmission again would cost a relay round trip, and after a BYE would find no session.
     */
    SipResponse relayedSuccess;

    Branch(Call call, Routing.Target target) {
      this.call = call;
      this.target = target;
    }

    boolean isDone() {
      return finalResponse != null;
    }

    SipFlow flow() {
      if (transaction != null && transaction.flow() != null) {
        return transaction.flow();
      }
      return target.hop() == null ? null : target.hop().flow();
    }
  }

  /** The response context of one proxied request. */
  final class Call implements CallHooks.PendingCall {
    final ServerTransaction server;
    final SipRequest request;
    final String number;
    final boolean recordRoute;
    final String loopHash;
    final List<Branch> branches = new ArrayList<>();
    boolean finished;
    /** Added to the request's CSeq on the way out (in-dialog requests of a caller whose INVITE we resent). */
    long cseqOffset;
    /** Branches were cancelled (CANCEL, 2xx/6xx elsewhere, Timer C): no new branch may start. */
    boolean cancelled;
    boolean cleanupScheduled;
    one.webph.sip.transaction.TimerService.Cancellable timerC;
    /** For the call record: when the proxy took the request on, and whether the caller's CANCEL ended it. */
    final long startedMillis = System.currentTimeMillis();
    boolean callerCancelled;
    /** Credentials for the next hop's 401/407 (a community peer's PEER_<NAME>_USER/PASSWORD), or null. */
    private String authUser;
    private String authPassword;
    /** The community peer the call goes to (the call record's route), or null for local numbers and next hops. */
    private String peerName;
    /** Codecs the peer accepts (PEER_<NAME>_CODECS): its offer carries only these (plus DTMF); empty = any. */
    private List<String> recipientCodecs = List.of();
    /** The peer's other server, tried once when the first cannot be reached or answers 408/503; or null. */
    private Routing.Target failover;
    /** Why the server itself failed the call (its own final response's reason), for the call record; or null. */
    private String ownReason;

    Call(ServerTransaction server, SipRequest request, String number, boolean recordRoute) {
      this.server = server;
      this.request = request;
      this.number = number;
      this.recordRoute = recordRoute;
      this.loopHash = Routing.loopHash(server.request());
    }

    boolean isInvite() {
      return request.isMethod(SipMethod.INVITE);
    }

    /** The call goes to a community peer: recorded under its name, the offer toward it limited to its codecs. */
    void toPeer(String name, List<String> codecs) {
      this.peerName = name;
      this.recipientCodecs = List.copyOf(codecs);
    }

    /** When the first target cannot be reached, times out or answers 503, try this one once (a new branch). */
    void failOverTo(Routing.Target target) {
      this.failover = target;
    }

    /** Answer a 401/407 of a branch with these credentials instead of relaying it to the caller. */
    void answerChallengesAs(String user, String password) {
      this.authUser = user;
      this.authPassword = password;
    }

    @Override
    public String number() {
      return number;
    }

    @Override
    public SipRequest request() {
      return request;
    }

    @Override
    public boolean isFinished() {
      return finished;
    }

    @Override
    public void addBranch(one.webph.server.sip.Binding binding) {
      if (finished || cancelled) {
        return;
      }
      for (Branch b : branches) {
        if (b.target.binding() != null && b.target.binding().contactUri().equals(binding.contactUri())
            && java.util.Objects.equals(b.target.binding().flowId(), binding.flowId()) && !b.isDone()) {
          return;
        }
      }
      forward(this, routing.targetForBinding(binding));
    }

    @Override
    public void respond(int status, String reason) {
      if (finished) {
        return;
      }
      SipResponse r = SipService.localResponse(server.request(), status, reason);
      ownReason = r.reason();
      sendFinal(this, r);
      cancelPending(this, null);
    }
  }

  /** Starts a response context; {@link #forward} adds branches. INVITEs get Timer C. */
  Call newCall(ServerTransaction server, SipRequest request, String number, boolean recordRoute) {
    Call call = new Call(server, request, number, recordRoute);
    server.setApplicationData(call);
    active.add(call);
    if (call.isInvite()) {
      call.timerC = transactions.timers().schedule(settings.inviteTimeout().toMillis(), () -> timerC(call));
    }
    return call;
  }

  /** INVITEs to {@code number} still waiting for a final response (a new device may join them). */
  List<CallHooks.PendingCall> ringing(String number) {
    List<CallHooks.PendingCall> out = new ArrayList<>();
    for (Call c : active) {
      if (!c.finished && c.isInvite() && number.equals(c.number)) {
        out.add(c);
      }
    }
    return out;
  }

  /** RFC 3261 16.6: copies the request, retargets it and sends it on a new client transaction. */
  void forward(Call call, Routing.Target target) {
    Branch branch = new Branch(call, target);
    call.branches.add(branch);
    if (!target.reachable()) {
      branchDone(branch, SipService.localResponse(call.server.request(), 503, "Service Unavailable"), true);
      return;
    }
    SipRequest out = call.request.copy();
    out.setRequestUri(target.requestUri());
    if (call.cseqOffset != 0) {
      out.setHeader(SipHeaders.CSEQ, new CSeq(out.cseq().number() + call.cseqOffset, out.method()).toString());
    }
    int maxForwards = out.maxForwards();
    out.setMaxForwards(maxForwards < 0 ? 70 : maxForwards - 1);
    if (call.recordRoute) {
      routing.recordRoute(out, call.request, call.server.flow(), target);
    }
    Transport outTransport = target.hop().transport();
    out.pushVia(routing.newVia(outTransport, call.loopHash));
    Future<byte[]> body = Future.succeededFuture(out.body());
    boolean offer = out.body().length > 0 && isSdp(out.contentType())
        && (out.isMethod(SipMethod.INVITE) || out.isMethod(SipMethod.UPDATE));
    if (offer) {
      MediaAnchor.Leg leg = leg(call, branch, peer(call.server.flow().transport(), out.body()),
          peer(outTransport, null));
      body = media.offer(new MediaAnchor.Leg(leg.callId(), leg.fromTag(), leg.branch(), leg.from(), leg.to(),
          call.recipientCodecs), out.body());
    }
    body.onComplete(ar -> {
      if (call.finished || call.cancelled) {
        // answered or cancelled while the media anchor prepared the offer: this branch never starts
        branchDone(branch, SipService.localResponse(call.server.request(), 487, "Request Terminated"), true);
        return;
      }
      if (ar.failed()) {
        log.warn("media anchor refused the offer of {}: {}", call.request.callId(), ar.cause().toString());
        int status = ar.cause() instanceof MediaAnchor.Rejected r ? r.status() : 488;
        // a peer with a codec list: say what it accepts, the caller's phone or the operator can act on that
        String reason = status == 488 && !call.recipientCodecs.isEmpty()
            ? "Not Acceptable Here (" + call.peerName + " accepts " + String.join(", ", call.recipientCodecs) + ")"
            : null;
        SipResponse refused = SipService.localResponse(call.server.request(), status, reason);
        if (status == 488) {
          // RFC 3261 20.43: 305 Incompatible media format, with the relay's own words
          refused.addHeader(SipHeaders.WARNING, "305 webphone \"" + String.valueOf(ar.cause().getMessage())
              .replace("\\", "/").replace("\"", "'") + "\"");
        }
        refused.addHeader(MEDIA_MARK, "1");
        branchDone(branch, refused, true);
        return;
      }
      if (offer) {
        out.setBody(ar.result(), out.contentType());
      }
      starting = branch;
      try {
        ClientTransaction ct = transactions.sendRequest(out, target.hop());
        if (ct != null && branch.transaction == null && !branch.isDone()) {
          ct.setApplicationData(branch);
          branch.transaction = ct;
        }
      } catch (RuntimeException e) {
        log.warn("could not forward {} to {}: {}", out.method(), target.requestUri(), e.toString());
        branchDone(branch, SipService.localResponse(call.server.request(), 503, "Service Unavailable"), true);
      } finally {
        starting = null;
      }
    });
  }

  private static MediaAnchor.Leg leg(Call call, Branch branch, MediaAnchor.Peer from, MediaAnchor.Peer to) {
    return new MediaAnchor.Leg(call.request.callId(), call.request.fromTag(),
        Integer.toHexString(System.identityHashCode(branch)), from, to);
  }

  /**
   * A browser is reached over WebSocket, or recognised by its SDP (ICE + DTLS-SRTP); anything else is a phone
   * that wants plain RTP.
   */
  static MediaAnchor.Peer peer(Transport transport, byte[] sdp) {
    if (transport.isWebSocket()) {
      return MediaAnchor.Peer.BROWSER;
    }
    if (sdp != null && sdp.length > 0) {
      String text = new String(sdp, java.nio.charset.StandardCharsets.UTF_8);
      if (text.contains("a=ice-ufrag") && text.contains("a=fingerprint")) {
        return MediaAnchor.Peer.BROWSER;
      }
    }
    return MediaAnchor.Peer.PHONE;
  }

  private static boolean isSdp(String contentType) {
    return contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/sdp");
  }

  private Branch branchOf(one.webph.sip.transaction.Transaction t) {
    if (t.applicationData() instanceof Branch b) {
      return b;
    }
    if (starting != null && t instanceof ClientTransaction ct && starting.transaction == null) {
      starting.transaction = ct;
      ct.setApplicationData(starting);
      return starting;
    }
    return null;
  }

  /** A response on a branch (RFC 3261 16.7). */
  void onResponse(ClientTransaction transaction, SipResponse response) {
    if (transaction.request().isMethod(SipMethod.CANCEL)) {
      return; // our CANCEL's 200: nothing to relay
    }
    Branch branch = branchOf(transaction);
    if (branch == null) {
      return;
    }
    Call call = branch.call;
    int status = response.status();
    if (status == 100) {
      return; // hop by hop: we sent our own 100
    }
    if ((status == 401 || status == 407) && !branch.isDone() && !call.finished && !call.cancelled
        && resendWithCredentials(branch, transaction.request(), response)) {
      return; // the challenge is ours to answer, the caller never sees it
    }
    SipResponse up = response.copy();
    up.popVia();
    if (branch.challengeAnswered || call.cseqOffset != 0) {
      // the request went out with another CSeq; the caller's transaction knows only its own number
      up.setHeader(SipHeaders.CSEQ, call.request.cseq().toString());
    }
    if (status < 200) {
      branch.provisional = true;
      if (!call.finished && !branch.isDone()) {
        relayWithAnswer(call, branch, up, false);
      }
      return;
    }
    if (status < 300) {
      if (branch.finalResponse != null && branch.finalResponse.isSuccess()
          && java.util.Objects.equals(branch.finalResponse.toTag(), up.toTag())) {
        // a retransmission of this branch's 2xx (the caller's ACK is late or lost): resend what went up; while
        // the first is still being anchored there is nothing to resend yet, and that one goes up anyway
        if (branch.relayedSuccess != null) {
          call.server.sendResponse(branch.relayedSuccess);
        }
        return;
      }
      boolean first = !call.finished;
      branch.finalResponse = up;
      call.finished = true;
      if (first && call.isInvite() && call.request.toTag() == null) {
        ProxiedDialogs.Dialog dialog = dialogs.established(call.request, up, System.currentTimeMillis());
        if (dialog != null) {
          // after our resend with credentials the callee saw CSeq+1: the caller's later requests follow it
          dialog.callerCSeqOffset = transaction.request().cseq().number() - call.request.cseq().number();
        }
        reportFinished(call, status);
      }
      relayWithAnswer(call, branch, up, true);
      if (first) {
        stopTimerC(call);
        cancelPending(call, branch);
        cleanupIfDone(call);
      }
      return;
    }
    if (branch.isDone()) {
      return;
    }
    branchDone(branch, up, false);
    if (status >= 600) {
      cancelPending(call, branch);
    }
  }

  /**
   * Answers a next hop's 401/407 as a client (RFC 3261 22.2): the same request (body already anchored) on a new
   * client transaction with a new branch, CSeq+1 and Authorization/Proxy-Authorization for the first challenge
   * we can answer (MD5 or SHA-256, qop=auth when offered). Once per branch, so a wrong password ends as the
   * peer's 401/407 relayed upstream. False when the call has no credentials or the challenge is unusable.
   */
  private boolean resendWithCredentials(Branch branch, SipRequest sent, SipResponse challenge) {
    Call call = branch.call;
    if (call.authUser == null || call.authPassword == null || branch.challengeAnswered
        || sent.isMethod(SipMethod.ACK) || sent.isMethod(SipMethod.CANCEL)) {
      return false;
    }
    boolean proxyAuth = challenge.status() == 407;
    DigestChallenge digest = null;
    for (AuthHeader h : proxyAuth ? challenge.proxyAuthenticates() : challenge.wwwAuthenticates()) {
      digest = h.isDigest() ? DigestChallenge.from(h) : null;
      if (digest != null) {
        break;
      }
    }
    if (digest == null) {
      log.warn("cannot answer the {} of {} for {}: no usable digest challenge", challenge.status(),
          branch.target.requestUri(), call.request.callId());
      return false;
    }
    SipRequest again = sent.copy();
    again.setHeader(SipHeaders.CSEQ, new CSeq(sent.cseq().number() + 1, sent.method()).toString());
    again.popVia();
    again.pushVia(routing.newVia(branch.target.hop().transport(), call.loopHash));
    String cnonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
    DigestCredentials answer = DigestCredentials.answer(digest, call.authUser, call.authPassword, sent.method(),
        sent.requestUri().toString(), cnonce, 1);
    again.addHeader(proxyAuth ? SipHeaders.PROXY_AUTHORIZATION : SipHeaders.AUTHORIZATION,
        answer.toAuthHeader().toString());
    branch.challengeAnswered = true;
    starting = branch;
    ClientTransaction previous = branch.transaction;
    branch.transaction = null;
    try {
      ClientTransaction ct = transactions.sendRequest(again, branch.target.hop());
      if (ct != null && branch.transaction == null && !branch.isDone()) {
        ct.setApplicationData(branch);
        branch.transaction = ct;
      }
    } catch (RuntimeException e) {
      log.warn("could not resend {} with credentials to {}: {}", sent.method(), branch.target.requestUri(),
          e.toString());
      branch.transaction = previous;
      return false;
    } finally {
      starting = null;
    }
    return true;
  }

  /**
   * Forwards a 1xx/2xx upstream, its SDP through the media anchor: an answer to the request's offer (INVITE,
   * re-INVITE, UPDATE), or for an INVITE without SDP the late offer of its 2xx (answered later by the ACK, see
   * {@link #anchorLateAnswer}). Raw SDP never bypasses the relay: when the anchor fails, a 1xx goes on without
   * its SDP, a 2xx goes on (the dialog exists at the callee anyway) and the proxy then hangs up both sides.
   */
  private void relayWithAnswer(Call call, Branch branch, SipResponse up, boolean fin) {
    boolean sdp = up.body().length > 0 && isSdp(up.contentType());
    boolean offerSent = call.request.body().length > 0 && isSdp(call.request.contentType());
    boolean offerAnswer = call.isInvite() || call.request.isMethod(SipMethod.UPDATE);
    MediaAnchor.Peer sender = peer(branch.target.hop().transport(), up.body());
    MediaAnchor.Peer recipient = peer(call.server.flow().transport(), call.request.body());
    Future<byte[]> body;
    boolean lateOffer = false;
    if (!sdp || !offerAnswer) {
      body = Future.succeededFuture(up.body());
    } else if (offerSent) {
      body = media.answer(leg(call, branch, sender, recipient), up.body());
    } else if (fin && call.isInvite() && up.toTag() != null) {
      // Late offer (RFC 3261 13.2.1): the callee offers in the 2xx, the caller answers in the ACK. The relay
      // names the offerer by its tag, here the callee's.
      lateOffer = true;
      MediaAnchor.Leg leg = new MediaAnchor.Leg(call.request.callId(), up.toTag(),
          Integer.toHexString(System.identityHashCode(branch)), sender, recipient);
      body = media.offer(leg, up.body());
      ProxiedDialogs.Dialog dialog = dialogs.get(call.request.callId());
      if (dialog != null) {
        // the ACK's answer flows back toward the callee: from the caller's kind to the callee's
        dialog.lateOffer = new MediaAnchor.Leg(leg.callId(), leg.fromTag(), leg.branch(), recipient, sender);
      }
    } else {
      // SDP in a provisional response to an INVITE without offer (100rel offer): not anchored, so not forwarded
      body = Future.failedFuture(new IllegalStateException("an offer in a provisional response is not anchored"));
    }
    boolean anchoredOffer = lateOffer;
    body.onComplete(ar -> {
      boolean hangUp = false;
      if (ar.succeeded()) {
        if (sdp && offerAnswer) {
          up.setBody(ar.result(), up.contentType());
        }
      } else {
        log.warn("media anchor failed on the {} of {}: {}", anchoredOffer ? "late offer" : "answer",
            call.request.callId(), ar.cause().toString());
        up.setBody(null, null); // never let the endpoints bypass the relay with the raw SDP
        hangUp = up.isSuccess() && call.isInvite() && call.request.toTag() == null;
        if (hangUp) {
          ProxiedDialogs.Dialog dialog = dialogs.get(call.request.callId());
          if (dialog != null) {
            dialog.lateOffer = null;
          }
        }
      }
      metrics.response(call.request.method(), up.status());
      call.server.sendResponse(up);
      if (fin && up.isSuccess()) {
        branch.relayedSuccess = up;
        ProxiedDialogs.Dialog dialog = dialogs.get(call.request.callId());
        if (dialog != null && call.isInvite() && call.request.toTag() == null) {
          dialog.relayedSuccessBody = up.body();
        }
      }
      if (hangUp) {
        // the 2xx went up so both sides hold the dialog: end it at once (the caller's ACK still passes)
        String callId = call.request.callId();
        vertx.setTimer(200, id -> {
          dialogs.hangUp(callId, "media could not be anchored");
          media.release(callId);
        });
      }
    });
  }

  /**
   * The ACK of a late-offer call carries the caller's answer: anchor it and return the SDP to forward to the
   * callee. A failure hangs the call up (the ACK then goes on without SDP). Completes with null when the ACK has
   * nothing to anchor.
   */
  Future<byte[]> anchorLateAnswer(SipRequest ack) {
    ProxiedDialogs.Dialog dialog = dialogs.get(ack.callId());
    if (dialog == null || dialog.lateOffer == null || ack.body().length == 0 || !isSdp(ack.contentType())) {
      return Future.succeededFuture(null);
    }
    MediaAnchor.Leg leg = dialog.lateOffer;
    dialog.lateOffer = null;
    return media.answer(leg, ack.body()).recover(e -> {
      log.warn("media anchor failed on the ACK answer of {}: {}", ack.callId(), e.toString());
      String callId = ack.callId();
      vertx.setTimer(200, id -> { // after the ACK went on
        dialogs.hangUp(callId, "media could not be anchored");
        media.release(callId);
      });
      return Future.succeededFuture(new byte[0]);
    });
  }

  /** Timer B/F fired on a branch: as if it answered 408 (RFC 3261 16.7 step 2). */
  void onTimeout(one.webph.sip.transaction.Transaction transaction) {
    if (transaction instanceof ClientTransaction ct && !ct.request().isMethod(SipMethod.CANCEL)) {
      Branch branch = branchOf(ct);
      if (branch != null && !branch.isDone()) {
        branchDone(branch, SipService.localResponse(branch.call.server.request(), 408, "Request Timeout"), true);
      }
    }
  }

  /** Sending failed: 503 for that branch at once; other branches of the call go on. */
  void onTransportError(one.webph.sip.transaction.Transaction transaction, Throwable cause) {
    if (transaction instanceof ClientTransaction ct && !ct.request().isMethod(SipMethod.CANCEL)) {
      Branch branch = branchOf(ct);
      if (branch != null && !branch.isDone()) {
        log.debug("branch to {} failed: {}", branch.target.requestUri(), cause.toString());
        branchDone(branch, SipService.localResponse(branch.call.server.request(), 503, "Service Unavailable"), true);
      }
    }
  }

  /** A connection closed: branches that went out on it can never be answered, fail them now. */
  void onFlowClosed(SipFlow flow) {
    for (Call call : new ArrayList<>(active)) {
      for (Branch b : new ArrayList<>(call.branches)) {
        SipFlow f = b.flow();
        if (!b.isDone() && f != null && f.id().equals(flow.id())) {
          branchDone(b, SipService.localResponse(call.server.request(), 503, "Service Unavailable"), true);
        }
      }
    }
  }

  /** A CANCEL matched an INVITE we proxy (RFC 3261 16.10): cancel every pending branch. */
  void cancel(ServerTransaction invite) {
    if (invite.applicationData() instanceof Call call) {
      if (!call.finished) {
        call.callerCancelled = true;
        hooks.onCallAbandoned(call.number, call.request);
        media.release(call.request.callId());
        if (call.branches.isEmpty() || call.branches.stream().allMatch(Branch::isDone)) {
          // held call (push hook) without branches: nobody else will answer 487
          sendFinal(call, SipService.localResponse(invite.request(), 487, "Request Terminated"));
        }
        cancelPending(call, null);
      }
    } else if (invite.lastResponse() == null || !invite.lastResponse().isFinal()) {
      // still authenticating / looking up: answer now, the lookup sees the final response and stops
      SipResponse r = SipService.localResponse(invite.request(), 487, "Request Terminated");
      metrics.response(SipMethod.INVITE, 487);
      invite.sendResponse(r);
      finishedLocally(invite, r, null);
    }
  }

  private void cancelPending(Call call, Branch except) {
    call.cancelled = true;
    for (Branch b : call.branches) {
      if (b != except && !b.isDone() && b.transaction != null) {
        b.transaction.cancel();
      }
    }
  }

  private void timerC(Call call) {
    call.timerC = null;
    if (call.finished) {
      return;
    }
    log.debug("Timer C fired for {}", call.request.callId());
    // RFC 3261 16.8: CANCEL branches that ring, treat the others as 408. The caller gets 408 either way.
    call.cancelled = true;
    for (Branch b : call.branches) {
      if (!b.isDone()) {
        if (b.transaction != null) {
          b.transaction.cancel();
        }
        b.finalResponse = SipService.localResponse(call.server.request(), 408, "Request Timeout");
      }
    }
    hooks.onCallAbandoned(call.number, call.request);
    sendFinal(call, SipService.localResponse(call.server.request(), 408, "Request Timeout"));
  }

  private void stopTimerC(Call call) {
    if (call.timerC != null) {
      call.timerC.cancel();
      call.timerC = null;
    }
  }

  /** Records a branch's final non-2xx response; when every branch is done, the best one goes upstream. */
  private void branchDone(Branch branch, SipResponse response, boolean local) {
    if (branch.isDone()) {
      return;
    }
    branch.finalResponse = local ? markLocal(response) : response;
    Call call = branch.call;
    if (call.finished) {
      cleanupIfDone(call);
      return;
    }
    if (call.failover != null && !call.cancelled && isFailoverCause(response)) {
      Routing.Target next = call.failover;
      call.failover = null; // once: the failover's own failure is the call's
      log.info("call {}: {} failed with {}, trying the failover {}", call.request.callId(),
          branch.target.requestUri(), response.status(), next.requestUri());
      forward(call, next);
      return;
    }
    if (call.branches.stream().allMatch(Branch::isDone)) {
      sendFinal(call, best(call));
    }
  }

  /**
   * The next hop is not there (transport error, Timer B/F: 503/408 of our own) or says it cannot serve (its 503 or
   * 408); our own relay refusing the offer is no reason to try another server.
   */
  private static boolean isFailoverCause(SipResponse response) {
    return (response.status() == 503 || response.status() == 408) && !response.hasHeader(MEDIA_MARK);
  }

  private static final String LOCAL_MARK = "X-Webphone-Local";
  /** Marks a branch refused by the media anchor: its 503 (relay unavailable) is ours to send upstream. */
  private static final String MEDIA_MARK = "X-Webphone-Media";

  /** Marks a response we generated for a branch (timeout, unreachable flow): it ranks after real answers. */
  static SipResponse markLocal(SipResponse r) {
    r.addHeader(LOCAL_MARK, "1");
    return r;
  }

  /** RFC 3261 16.7 step 6: a 6xx wins; else the lowest class, preferring a specific answer over a failure. */
  SipResponse best(Call call) {
    SipResponse best = chooseBest(call.branches.stream().map(b -> b.finalResponse)
        .filter(java.util.Objects::nonNull).toList());
    if (best == null) {
      return SipService.localResponse(call.server.request(), 480, "Temporarily Unavailable");
    }
    SipResponse out = best.copy();
    boolean local = out.removeHeader(LOCAL_MARK);
    boolean mediaRefused = out.removeHeader(MEDIA_MARK);
    if (out.status() == 401 || out.status() == 407) {
      // 16.7 step 7: collect every challenge so the client can answer all of them
      String header = out.status() == 401 ? SipHeaders.WWW_AUTHENTICATE : SipHeaders.PROXY_AUTHENTICATE;
      for (Branch b : call.branches) {
        if (b.finalResponse != null && b.finalResponse != best && b.finalResponse.status() == out.status()) {
          for (AuthHeader h : out.status() == 401 ? b.finalResponse.wwwAuthenticates()
              : b.finalResponse.proxyAuthenticates()) {
            out.addHeader(header, h.toString());
          }
        }
      }
    }
    if (out.status() == 503 && mediaRefused) {
      // our own relay is unavailable (no free port, NG relay down): that is this server's 503 (RFC 3261 21.5.4)
      out.setHeader("Retry-After", "10");
    } else if (out.status() == 503) {
      // A 503 must not travel upstream (16.7 step 6). Our own 503 means no device was reachable.
      out = local ? SipService.localResponse(call.server.request(), 480, "Temporarily Unavailable")
          : SipService.localResponse(call.server.request(), 500, "Server Internal Error");
    }
    call.ownReason = local || mediaRefused ? out.reason() : null;
    return out;
  }

  /** The best of the branches' final responses (null for none), before 401/407 merging and 503 mapping. */
  static SipResponse chooseBest(List<SipResponse> finals) {
    SipResponse best = null;
    for (SipResponse r : finals) {
      if (best == null || rank(r) < rank(best)) {
        best = r;
      }
    }
    return best;
  }

  private static int rank(SipResponse r) {
    int status = r.status();
    if (status >= 600) {
      return status - 600;
    }
    boolean generic = status == 408 || status == 480 || status == 500 || status == 503 || status == 487;
    boolean local = r.hasHeader(LOCAL_MARK);
    return (status / 100) * 1000 + (generic ? 200 : 0) + (local ? 100 : 0) + status % 100;
  }

  private void sendFinal(Call call, SipResponse response) {
    if (call.finished) {
      return;
    }
    call.finished = true;
    stopTimerC(call);
    response.removeHeader(LOCAL_MARK);
    response.removeHeader(MEDIA_MARK);
    metrics.response(call.request.method(), response.status());
    call.server.sendResponse(response);
    if (call.isInvite() && call.request.toTag() == null) {
      reportFinished(call, response.status());
    }
    if (call.isInvite() && response.status() >= 300 && call.request.toTag() == null) {
      // only a failed initial INVITE ends the media; a refused re-INVITE (491, 488) leaves the call up
      media.release(call.request.callId());
    }
    cleanupIfDone(call);
  }

  private void cleanupIfDone(Call call) {
    if (call.finished && call.branches.stream().allMatch(Branch::isDone)) {
      active.remove(call);
    } else if (call.finished && !call.cleanupScheduled) {
      // Branches still waiting for their 487 keep the call listed at most one transaction timeout (64*T1).
      call.cleanupScheduled = true;
      transactions.timers().schedule(64L * 500 + 1000, () -> active.remove(call));
    }
  }

  /** Tells the call records how an initial INVITE ended; a failing observer never disturbs the proxy. */
  private void reportFinished(Call call, int status) {
    boolean rang = call.branches.stream().anyMatch(b -> b.provisional);
    String route = call.number != null ? "local" : call.peerName != null ? call.peerName
        : call.request.requestUri() instanceof SipUri u ? u.host() : call.request.requestUri().toString();
    String callee = call.number != null ? call.number : party(call.request.requestUri());
    notifyFinished(new CallObserver.InviteOutcome(call.request.callId(), party(call.request.from().uri()), callee,
        source(call.server.flow()), route, call.startedMillis, System.currentTimeMillis(), status,
        call.callerCancelled, rang, status >= 300 ? call.ownReason : null));
  }

  /**
   * An initial INVITE the routing answered itself before any call existed (403 not relaying, 404 unknown number,
   * 480 gateway offline, 503 peer down, 500 database trouble, 487 cancelled while authenticating): recorded as a
   * call that ended at once. In-dialog requests, other methods and digest challenges (401/407: the retried INVITE
   * makes the record) are ignored.
   *
   * @param route where the call would have gone ("local", a peer's name), or null to derive it from the URI
   */
  void finishedLocally(ServerTransaction server, SipResponse response, String route) {
    SipRequest request = server.request();
    int status = response.status();
    if (!request.isMethod(SipMethod.INVITE) || request.toTag() != null || status < 300 || status == 401
        || status == 407 || server.applicationData() instanceof Call) {
      return;
    }
    String callee = party(request.requestUri());
    if (route == null) {
      route = request.requestUri() instanceof SipUri u && routing.isLocalHost(u.host()) ? "local"
          : request.requestUri() instanceof SipUri u2 ? u2.host() : request.requestUri().toString();
    }
    long now = System.currentTimeMillis();
    notifyFinished(new CallObserver.InviteOutcome(request.callId(), party(request.from().uri()), callee,
        source(server.flow()), route, now, now, status, status == 487, false, response.reason()));
  }

  private void notifyFinished(CallObserver.InviteOutcome outcome) {
    try {
      observer.onInviteFinished(outcome);
    } catch (RuntimeException e) {
      log.warn("call observer failed on {}: {}", outcome.callId(), e.toString());
    }
  }

  /** A party as recorded: the user part of a SIP URI (the number), else the whole URI. */
  private static String party(one.webph.sip.message.Uri uri) {
    if (uri instanceof SipUri sip && sip.userDecoded() != null && !sip.userDecoded().isEmpty()) {
      return sip.userDecoded();
    }
    return uri.toString();
  }

  private static String source(SipFlow flow) {
    if (flow == null || flow.remoteAddress() == null) {
      return "";
    }
    return flow.transport().name().toLowerCase(java.util.Locale.ROOT) + ":" + flow.remoteAddress().hostAddress()
        + ":" + flow.remoteAddress().port();
  }

  /** A random To tag for responses we generate. */
  static String newTag() {
    return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }
}
