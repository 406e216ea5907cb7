package one.webph.server.sip;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import one.webph.server.numbers.Subscriber;
import one.webph.server.peers.PeerRoute;
import one.webph.server.peers.PeerRouting;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.Contact;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.SipUri;
import one.webph.sip.message.Uri;
import one.webph.sip.message.SipText;
import one.webph.sip.transaction.ClientTransaction;
import one.webph.sip.transaction.ServerTransaction;
import one.webph.sip.transaction.Transaction;
import one.webph.sip.transaction.TransactionLayer;
import one.webph.sip.transaction.TransactionUser;
import one.webph.sip.transport.SipFlow;
import one.webph.sip.transport.SipTransportLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP request routing of the server, in one place and in order, like Kamailio's request_route: see
 * {@link #route}. It is also the transaction user (responses, timeouts, transport errors go to the
 * {@link ProxyCore}); {@link SipIngress} filters floods before any transaction exists. Single-threaded:
 * everything runs on the SIP event loop; database lookups complete back on it.
 */
public final class SipService implements TransactionUser, MessageOriginator {
  private static final Logger log = LoggerFactory.getLogger(SipService.class);
  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,32}");
  static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, UPDATE, REFER, NOTIFY, SUBSCRIBE, "
      + "PRACK, REGISTER";

  private final SipSettings settings;
  private final Routing routing;
  private final ProxyCore proxy;
  private final LocationService location;
  private final DigestAuthenticator authenticator;
  private final CredentialCache credentials;
  private final MediaAnchor media;
  private final SipTransportLayer transport;
  private final CallHooks hooks;
  private final SipMetrics metrics;
  private final LongSupplier clock;
  private final ProxiedDialogs dialogs;
  private TransactionLayer transactions;
  private PeerRouting peers = PeerRouting.NONE;

  SipService(Vertx vertx, SipSettings settings, SipTransportLayer transport, FlowTokens tokens,
      LocationService location, DigestAuthenticator authenticator, CredentialCache credentials, MediaAnchor media, CallHooks hooks, SipMetrics metrics, LongSupplier clock) {
    this.settings = settings;
    this.routing = new Routing(settings.domain(), transport, tokens);
    this.dialogs = new ProxiedDialogs(routing);
    this.proxy = new ProxyCore(vertx, settings, routing, media, hooks, metrics, dialogs);
    this.location = location;
    this.authenticator = authenticator;
    this.credentials = credentials;
    this.media = media;
    this.transport = transport;
    this.hooks = hooks;
    this.metrics = metrics;
    this.clock = clock;
    location.onNewBinding(b -> hooks.onNewBinding(b, proxy.ringing(b.number())));
  }

  /** Connects the transaction layer (built after this object, since it calls back into it). */
  void setTransactions(TransactionLayer transactions) {
    this.transactions = transactions;
    proxy.setTransactions(transactions);
    dialogs.setTransactions(transactions);
  }

  /** Community networks (issue 7): which numbers are theirs, which sources are trusted. */
  void setPeerRouting(PeerRouting peers) {
    this.peers = java.util.Objects.requireNonNull(peers);
  }

  int activeCalls() {
    return proxy.activeCalls();
  }

  /** Plugs in the call records (issue 7). */
  void setCallObserver(CallObserver observer) {
    proxy.setCallObserver(observer);
  }

  /** Dialogs established through the proxy and not yet ended by a BYE. */
  int activeDialogs() {
    return dialogs.size();
  }

  /**
   * The call's media ended without a SIP request (the relay saw silence, lost ICE consent, DTLS failed): hang up
   * both sides of its dialog. Must run on the SIP event loop.
   */
  void mediaEnded(String callId) {
    if (!dialogs.hangUp(callId, "media ended")) {
      log.debug("call {}: media ended but no dialog through the proxy is known", callId);
    }
    media.release(callId);
  }

  /** Periodic housekeeping: forgets dialogs idle far longer than any call (a BYE that never came). */
  void sweep() {
    dialogs.sweep(clock.getAsLong());
  }

  // ================================================================== request_route

  @Override
  public void onRequest(ServerTransaction transaction, SipRequest request) {
    metrics.request(request.method());
    guarded(transaction, () -> route(transaction, request));
  }

  /**
   * Runs a routing step; a failure (a malformed header only noticed now by a typed accessor, or a bug) is
   * answered with 500 instead of leaving the client waiting for a response.
   */
  private void guarded(ServerTransaction st, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      SipRequest request = st.request();
      log.warn("failed to route {} {}: {}", request.method(), request.requestUri(), e.toString());
      log.debug("routing failure", e);
      if (!isAnswered(st)) {
        reply(st, 500, "Server Internal Error");
      }
    }
  }

  /**
   * The routing script. Reads top to bottom: initial checks, requests to the server, CANCEL, in-dialog
   * requests, authentication, relay policy, registrar, location lookup and relay.
   */
  void route(ServerTransaction st, SipRequest request) {
    // ---- initial checks
    if (request.maxForwards() == 0) {
      reply(st, 483, "Too Many Hops");
      return;
    }
    String insane = sanityProblem(request);
    if (insane != null) {
      reply(st, insane.startsWith("416") ? 416 : 400, insane.substring(4));
      return;
    }
    if (request.hasHeader(SipHeaders.PROXY_REQUIRE)) {
      SipResponse r = localResponse(request, 420, "Bad Extension");
      r.addHeader(SipHeaders.UNSUPPORTED, request.header(SipHeaders.PROXY_REQUIRE));
      send(st, r);
      return;
    }
    if (routing.isLoop(request)) {
      reply(st, 482, "Loop Detected");
      return;
    }

    // ---- requests to the server itself
    if (request.isMethod(SipMethod.OPTIONS) && routing.isForServer(request) && request.routes().isEmpty()) {
      SipResponse r = localResponse(request, 200, "OK");
      r.addHeader(SipHeaders.ALLOW, ALLOW);
      r.addHeader("Accept", "application/sdp");
      send(st, r);
      return;
    }

    // ---- CANCEL: relayed to the branches of its INVITE transaction, if that exists
    if (request.isMethod(SipMethod.CANCEL)) {
      ServerTransaction invite = st.cancelledInvite();
      if (invite == null) {
        reply(st, 481, "Call/Transaction Does Not Exist");
        return;
      }
      reply(st, 200, "OK");
      proxy.cancel(invite);
      return;
    }

    // ---- in-dialog requests follow their Record-Route (no authentication: the dialog was authenticated)
    if (request.toTag() != null) {
      Routing.PoppedRoutes popped = routing.popOurRoutes(request);
      if (popped.count() == 0) {
        reply(st, 404, "Not Here");
        return;
      }
      long cseqOffset = dialogs.callerCSeqOffset(request); // asked before a BYE ends the dialog
      if (request.isMethod(SipMethod.BYE)) {
        // The call's relay ports can go (issue 4). Released before the dialog ends: the call record then gets
        // the final figures the release fetches (deleteAndReport), not a live query of its own: one relay
        // round trip per call less.
        media.release(request.callId());
      }
      dialogs.requestSeen(request, clock.getAsLong());
      ProxyCore.Call call = proxy.newCall(st, request, null, false);
      call.cseqOffset = cseqOffset;
      proxy.forward(call, routing.nextHop(request, popped));
      return;
    }

    // ---- initial requests: a pre-loaded Route to us is consumed (RFC 3261 16.4)
    Routing.PoppedRoutes preloaded = routing.popOurRoutes(request);
    String fromHost = request.from().sipUri() == null ? null : request.from().sipUri().host();
    boolean fromLocal = routing.isLocalHost(fromHost);
    boolean toLocal = request.requestUri() instanceof SipUri u && routing.isLocalHost(u.host())
        && request.routes().isEmpty();

    // ---- registrar (authenticated with 401)
    if (request.isMethod(SipMethod.REGISTER)) {
      if (!toLocal) {
        reply(st, 403, "Not Our Domain");
        return;
      }
      authenticate(st, request, false, user -> register(st, request, user));
      return;
    }

    // ---- community networks: a number of a peer network (PEER_* prefixes, ;outbound=name) is not local
    PeerRoute toPeer = toLocal ? peers.outbound(((SipUri) request.requestUri()).userDecoded(),
        ((SipUri) request.requestUri()).param("outbound")) : null;
    boolean toLocalNumber = toLocal && toPeer == null;
    String trustedPeer = peers.trustedPeer(st.flow().remoteAddress().hostAddress());

    // ---- relay policy: only authenticated local users reach anything but local numbers
    if (!toLocalNumber && (!fromLocal || trustedPeer != null)) {
      send(st, localResponse(request, 403, "Not relaying"), toPeer == null ? null : toPeer.peer());
      return;
    }

    // ---- a trusted community network reaches local numbers without digest authentication
    if (trustedPeer != null) {
      relay(st, request, true, null, preloaded);
      return;
    }

    // ---- authentication of local users (407); others may only call local numbers
    if (fromLocal) {
      authenticate(st, request, true, user -> {
        String fromUser = request.from().sipUri().userDecoded();
        if (!user.equals(fromUser)) {
          reply(st, 403, "From Does Not Match Credentials");
          return;
        }
        relay(st, request, toLocalNumber, toPeer, preloaded);
      });
    } else {
      relay(st, request, true, null, preloaded);
    }
  }

  /**
   * After the checks: a community network's number goes to the peer, a local number through location lookup,
   * anything else to its next hop.
   */
  private void relay(ServerTransaction st, SipRequest request, boolean toLocal, PeerRoute toPeer,
      Routing.PoppedRoutes preloaded) {
    if (toPeer != null) {
      relayToPeer(st, request, toPeer);
      return;
    }
    if (!toLocal) {
      ProxyCore.Call call = proxy.newCall(st, request, null, isDialogCreating(request));
      proxy.forward(call, routing.nextHop(request, preloaded));
      return;
    }
    String number = ((SipUri) request.requestUri()).userDecoded();
    if (number == null || !NUMBER.matcher(number).matches()) {
      reply(st, 404, "Not Found");
      return;
    }
    credentials.find(number).onComplete(ar -> guarded(st, () -> {
      if (isAnswered(st)) {
        return; // cancelled meanwhile
      }
      if (ar.failed()) {
        log.warn("subscriber lookup failed: {}", ar.cause().toString());
        replyUnavailable(st);
        return;
      }
      Optional<Subscriber> subscriber = ar.result();
      if (subscriber.isEmpty() || subscriber.get().disabled()) {
        reply(st, 404, "Not Found");
        return;
      }
      callNumber(st, request, number);
    }));
  }

  /** Location lookup and parallel forking to every contact of the number (the hooks may hold the call). */
  private void callNumber(ServerTransaction st, SipRequest request, String number) {
    List<Binding> bindings = location.lookup(number, clock.getAsLong());
    ProxyCore.Call call = proxy.newCall(st, request, number, isDialogCreating(request));
    if (request.isMethod(SipMethod.INVITE)) {
      hooks.onCallToNumber(number, request, bindings, call);
    }
    if (bindings.isEmpty()) {
      boolean held = request.isMethod(SipMethod.INVITE) ? hooks.onNoContact(number, request, call)
          : request.isMethod(SipMethod.MESSAGE) && hooks.onMessageNoContact(number, request, call);
      if (!held) {
        call.respond(480, "Temporarily Unavailable");
      }
      return;
    }
    for (Binding binding : bindings) {
      proxy.forward(call, routing.targetForBinding(binding));
    }
  }

  /**
   * A community network's number: to the peer's live SIP server (Request-URI rewritten), or to its gateway's
   * current registration; refused at once when the peer is down (503) or the gateway offline (480).
   */
  private void relayToPeer(ServerTransaction st, SipRequest request, PeerRoute route) {
    if (route instanceof PeerRoute.Refuse refused) {
      SipResponse r = localResponse(request, refused.status(), refused.reason());
      if (refused.status() == 503) {
        r.addHeader("Retry-After", "30");
      }
      send(st, r, refused.peer());
      return;
    }
    if (route instanceof PeerRoute.ToGateway gateway) {
      List<Binding> bindings = location.lookup(gateway.gatewayNumber(), clock.getAsLong());
      if (bindings.isEmpty()) {
        send(st, localResponse(request, 480, gateway.peer() + " gateway offline"), gateway.peer());
        return;
      }
      ProxyCore.Call call = proxy.newCall(st, request, null, isDialogCreating(request));
      call.toPeer(gateway.peer(), peers.codecs(gateway.peer()));
      for (Binding binding : bindings) {
        Routing.Target contact = routing.targetForBinding(binding);
        Uri uri = contact.requestUri() instanceof SipUri s ? s.withUser(gateway.user()) : contact.requestUri();
        proxy.forward(call, new Routing.Target(uri, contact.hop(), contact.flowPayload(), contact.binding()));
      }
      return;
    }
    PeerRoute.Forward forward = (PeerRoute.Forward) route;
    ProxyCore.Call call = proxy.newCall(st, request, null, isDialogCreating(request));
    call.toPeer(forward.peer(), peers.codecs(forward.peer()));
    PeerRouting.Credentials credentials = peers.credentials(forward.peer());
    if (credentials != null) {
      call.answerChallengesAs(credentials.user(), credentials.password());
    }
    if (forward.failoverUri() != null) {
      call.failOverTo(routing.targetForUri(forward.failoverUri()));
    }
    proxy.forward(call, routing.targetForUri(forward.requestUri()));
  }

  private static boolean isDialogCreating(SipRequest request) {
    return request.isMethod(SipMethod.INVITE) || request.isMethod(SipMethod.SUBSCRIBE)
        || request.isMethod(SipMethod.REFER);
  }


  // ================================================================== registrar

  private void register(ServerTransaction st, SipRequest request, String user) {
    String toUser = request.to().sipUri() == null ? null : request.to().sipUri().userDecoded();
    if (!user.equals(toUser)) {
      reply(st, 403, "To Does Not Match Credentials");
      return;
    }
    SipFlow flow = st.flow();
    SocketAddress remote = flow.remoteAddress();
    Registrar.Request r = new Registrar.Request(user, request.contacts(), request.expires(), request.callId(),
        request.cseq().number(), flow.id(), flow.transport(), remote.hostAddress(), remote.port(),
        request.header(SipHeaders.USER_AGENT));
    long now = clock.getAsLong();
    Registrar.Outcome outcome = location.register(r, now);
    SipResponse response = localResponse(request, outcome.status(), outcome.reason());
    if (outcome.status() == 423) {
      response.addHeader(SipHeaders.MIN_EXPIRES, Long.toString(outcome.minExpires()));
    } else if (outcome.isSuccess()) {
      for (Binding b : outcome.bindings()) {
        response.addHeader(SipHeaders.CONTACT, contactValue(b, now));
      }
      if (!outcome.added().isEmpty() || !outcome.removed().isEmpty()) {
        log.debug("registrar {}: +{} -{} = {} binding(s)", user, outcome.added().size(), outcome.removed().size(),
            outcome.bindings().size());
      }
    }
    send(st, response);
  }

  /** A binding as listed in the 200 to a REGISTER (RFC 3261 10.3 step 8, RFC 5626 parameters echoed). */
  static String contactValue(Binding b, long nowMillis) {
    NameAddress address = NameAddress.of(b.contactUri()).withParam("expires",
        Long.toString(b.expiresInSeconds(nowMillis)));
    if (b.instanceId() != null) {
      address = address.withParam("+sip.instance", SipText.quote(b.instanceId()));
      if (b.regId() >= 0) {
        address = address.withParam("reg-id", Integer.toString(b.regId()));
      }
    }
    return Contact.of(address).toString();
  }

  // ================================================================== authentication

  /**
   * Digest authentication; calls {@code onSuccess} with the user name, or answers the request itself (challenge,
   * 400, 403, 500). 401 + WWW-Authenticate for REGISTER, 407 + Proxy-Authenticate otherwise.
   */
  private void authenticate(ServerTransaction st, SipRequest request, boolean proxyAuth, Consumer<String> onSuccess) {
    AuthHeader presented = authenticator.credentials(request, proxyAuth);
    if (presented == null) {
      challenge(st, request, proxyAuth, false);
      return;
    }
    String user = DigestAuthenticator.username(presented);
    if (user == null) {
      reply(st, 400, "Bad Credentials");
      return;
    }
    credentials.find(user).onComplete(ar -> guarded(st, () -> {
      if (isAnswered(st)) {
        return;
      }
      if (ar.failed()) {
        log.warn("credential lookup failed: {}", ar.cause().toString());
        replyUnavailable(st);
        return;
      }
      DigestAuthenticator.Outcome outcome =
          authenticator.verify(request.method(), presented, ar.result().orElse(null));
      switch (outcome) {
        case OK -> onSuccess.accept(user);
        case MALFORMED -> reply(st, 400, "Bad Credentials");
        case STALE, REPLAY -> challenge(st, request, proxyAuth, true);
        case MD5_ONLY -> challenge(st, request, proxyAuth, false, true);
        case REJECTED -> {
          log.info("authentication of {} from {} failed (wrong password, unknown or disabled)", user,
              st.flow().remoteAddress());
          reply(st, 403, "Forbidden");
        }
        default -> challenge(st, request, proxyAuth, false);
      }
    }));
  }

  private void challenge(ServerTransaction st, SipRequest request, boolean proxyAuth, boolean stale) {
    challenge(st, request, proxyAuth, stale, false);
  }

  private void challenge(ServerTransaction st, SipRequest request, boolean proxyAuth, boolean stale,
      boolean md5Only) {
    SipResponse r = proxyAuth ? localResponse(request, 407, "Proxy Authentication Required")
        : localResponse(request, 401, "Unauthorized");
    List<AuthHeader> challenges = new ArrayList<>(authenticator.challenges(stale, md5Only));
    if (st.flow().transport().isWebSocket()) {
      // JsSIP (the app) keeps only the LAST challenge header and answers only MD5, while sipp and many desk
      // phones read only the FIRST: browsers get MD5 last (the RFC 8760 order, strongest first), others the
      // configured order (MD5 first by default).
      challenges.sort(java.util.Comparator.comparing(h -> "MD5".equalsIgnoreCase(h.param("algorithm"))));
    }
    for (AuthHeader h : challenges) {
      r.addHeader(proxyAuth ? SipHeaders.PROXY_AUTHENTICATE : SipHeaders.WWW_AUTHENTICATE, h.toString());
    }
    send(st, r);
  }

  // ================================================================== transaction user: the proxy's side

  @Override
  public void onAck(SipRequest ack, SipFlow flow) {
    // ACK for a 2xx: end to end, forwarded statelessly along the route set (RFC 3261 16.11)
    if (ack.maxForwards() == 0 || ack.topVia() == null) {
      return;
    }
    Routing.PoppedRoutes popped = routing.popOurRoutes(ack);
    if (popped.count() == 0) {
      return; // not routed through us: nothing to do
    }
    Routing.Target target = routing.nextHop(ack, popped);
    if (!target.reachable()) {
      log.debug("dropping ACK for {}: next hop unreachable", ack.callId());
      return;
    }
    int maxForwards = ack.maxForwards();
    ack.setMaxForwards(maxForwards < 0 ? 70 : maxForwards - 1);
    ack.pushVia(routing.statelessVia(target.hop().transport(), ack));
    dialogs.requestSeen(ack, clock.getAsLong());
    long cseqOffset = dialogs.callerCSeqOffset(ack);
    if (cseqOffset != 0) {
      // the callee saw our resent INVITE (CSeq+1): the ACK for its 2xx must carry that number
      ack.setHeader(SipHeaders.CSEQ, new one.webph.sip.message.CSeq(ack.cseq().number() + cseqOffset,
          ack.method()).toString());
    }
    // the ACK of a late-offer call carries the caller's answer: through the relay like every SDP
    proxy.anchorLateAnswer(ack).onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        ack.setBody(ar.result(), ar.result().length == 0 ? null : ack.contentType());
      }
      transactions.sendRequest(ack, target.hop());
    });
  }

  @Override
  public void onResponse(ClientTransaction transaction, SipResponse response) {
    if (transaction.applicationData() instanceof OriginatedRequest mine) {
      if (response.status() >= 200) {
        mine.result.tryComplete(response.status());
      }
      return;
    }
    proxy.onResponse(transaction, response);
  }

  @Override
  public void onStrayResponse(SipResponse response, SipFlow flow) {
    // A 2xx retransmission after its client transaction ended: forward it statelessly (RFC 3261 16.7 / 16.11).
    if (!response.isSuccess() || response.vias().size() < 2 || !routing.isLocalHost(response.topVia().host())) {
      return;
    }
    SipResponse up = response.copy();
    up.popVia();
    if (up.body().length > 0) {
      // its SDP must reach the caller as the relay rewrote it, never raw (that would bypass the relay)
      ProxiedDialogs.Dialog dialog = dialogs.get(up.callId());
      if (dialog == null || dialog.relayedSuccessBody == null) {
        log.debug("call {}: late 2xx retransmission dropped: its dialog ended or its answer was never relayed",
            up.callId());
        return;
      }
      up.setBody(dialog.relayedSuccessBody, up.contentType());
    }
    dialogs.restoreCallerCSeq(up);
    transport.sendResponse(up, null);
  }

  @Override
  public void onTimeout(Transaction transaction) {
    if (transaction.applicationData() instanceof OriginatedRequest mine) {
      mine.result.tryComplete(408);
      return;
    }
    proxy.onTimeout(transaction);
  }

  @Override
  public void onTransportError(Transaction transaction, Throwable cause) {
    if (transaction.applicationData() instanceof OriginatedRequest mine) {
      mine.result.tryComplete(503);
      return;
    }
    if (originating != null && transaction.applicationData() == null
        && transaction.request() == originating.request) {
      originating.result.tryComplete(503); // failed inside sendRequest, before the data was attached
      return;
    }
    proxy.onTransportError(transaction, cause);
  }

  // ================================================================== requests of our own (stored messages)

  /** A MESSAGE this server sends itself; its final status completes {@code result}. */
  private record OriginatedRequest(SipRequest request, Promise<Integer> result) { }

  /** Set while sendRequest runs, so a synchronous transport error finds its request. */
  private OriginatedRequest originating;

  @Override
  public Future<Integer> sendMessage(Binding to, String fromUri, String contentType, byte[] body, String date) {
    Routing.Target target = routing.targetForBinding(to);
    if (!target.reachable()) {
      return Future.succeededFuture(503);
    }
    SipRequest message = new SipRequest(SipMethod.MESSAGE, target.requestUri());
    NameAddress from = fromUri.contains("<") ? NameAddress.parse(fromUri).withoutParam("tag")
        : NameAddress.of(Uri.parse(fromUri));
    message.setFrom(from.withTag(ProxyCore.newTag()));
    message.setTo(NameAddress.of(SipUri.parse("sip:" + to.number() + "@" + routing.domain())));
    message.setHeader(SipHeaders.CALL_ID, ProxyCore.newTag() + ProxyCore.newTag() + "@" + routing.domain());
    message.setHeader(SipHeaders.CSEQ, "1 " + SipMethod.MESSAGE);
    message.setHeader(SipHeaders.MAX_FORWARDS, "70");
    if (date != null && !date.isBlank()) {
      message.setHeader(SipHeaders.DATE, date);
    }
    message.setBody(body, contentType);
    return originate(message, target);
  }

  /**
   * An OPTIONS of our own, e.g. a community peer's liveness probe; completes with the final status (408 no
   * answer, 503 not sendable).
   */
  public Future<Integer> sendOptions(SipUri uri) {
    Routing.Target target = routing.targetForUri(uri);
    if (!target.reachable()) {
      return Future.succeededFuture(503);
    }
    SipRequest options = new SipRequest(SipMethod.OPTIONS, uri);
    options.setFrom(NameAddress.of(SipUri.parse("sip:webphone@" + routing.domain())).withTag(ProxyCore.newTag()));
    options.setTo(NameAddress.of(uri));
    options.setHeader(SipHeaders.CALL_ID, ProxyCore.newTag() + ProxyCore.newTag() + "@" + routing.domain());
    options.setHeader(SipHeaders.CSEQ, "1 " + SipMethod.OPTIONS);
    options.setHeader(SipHeaders.MAX_FORWARDS, "70");
    return originate(options, target);
  }

  /** Sends a request of our own on a new client transaction; its final status completes the future. */
  private Future<Integer> originate(SipRequest request, Routing.Target target) {
    request.pushVia(routing.newVia(target.hop().transport(), Routing.loopHash(request)));
    OriginatedRequest mine = new OriginatedRequest(request, Promise.promise());
    originating = mine;
    try {
      ClientTransaction ct = transactions.sendRequest(request, target.hop());
      if (ct != null) {
        ct.setApplicationData(mine);
      } else {
        mine.result.tryComplete(503);
      }
    } catch (RuntimeException e) {
      log.info("{} to {} not sent: {}", request.method(), request.requestUri(), e.toString());
      mine.result.tryComplete(503);
    } finally {
      originating = null;
    }
    return mine.result.future();
  }

  /** A connection closed: its registrations go at once, and branches sent on it fail now (503). */
  @Override
  public void onFlowClosed(SipFlow flow) {
    List<Binding> removed = location.removeFlow(flow.id());
    if (!removed.isEmpty()) {
      log.debug("{} closed: removed {} binding(s) of {}", flow.id(), removed.size(), removed.get(0).number());
    }
    proxy.onFlowClosed(flow);
  }

  // ================================================================== helpers

  /** Checks RFC 3261 8.2 / 16.3 step 1 beyond what the parser enforces; "400 reason" / "416 reason" or null. */
  static String sanityProblem(SipRequest request) {
    if (request.topVia() == null || request.from() == null || request.to() == null || request.callId() == null
        || request.cseq() == null) {
      return "400 Missing Mandatory Header";
    }
    if (!request.cseq().method().equals(request.method())) {
      return "400 CSeq Method Does Not Match";
    }
    String scheme = request.requestUri().scheme();
    if (!scheme.equals("sip") && !scheme.equals("sips") && !scheme.equals("tel")) {
      return "416 Unsupported URI Scheme";
    }
    if (request.from().tag() == null) {
      return "400 From Without Tag";
    }
    return null;
  }

  /** A response we generate ourselves (To tag added for all but 100, RFC 3261 8.2.6.2). */
  static SipResponse localResponse(SipRequest request, int status, String reason) {
    SipResponse r = request.createResponse(status, reason);
    if (status > 100) {
      r.setToTag(ProxyCore.newTag());
    }
    r.addHeader(SipHeaders.SERVER, "webphone");
    return r;
  }

  private void reply(ServerTransaction st, int status, String reason) {
    send(st, localResponse(st.request(), status, reason));
  }

  private void replyUnavailable(ServerTransaction st) {
    SipResponse r = localResponse(st.request(), 500, "Server Internal Error");
    r.addHeader("Retry-After", "5");
    send(st, r);
  }

  private void send(ServerTransaction st, SipResponse response) {
    send(st, response, null);
  }

  /**
   * Sends a response of the routing script itself; an initial INVITE refused this way (403, 404, 480, 503...)
   * still gets its call record, {@code route} naming the peer it was meant for (null: derived from the URI).
   */
  private void send(ServerTransaction st, SipResponse response, String route) {
    metrics.response(st.request().method(), response.status());
    st.sendResponse(response);
    proxy.finishedLocally(st, response, route);
  }

  /** True once a final response went out (e.g. a CANCEL answered the INVITE while the database was asked). */
  private static boolean isAnswered(ServerTransaction st) {
    return st.lastResponse() != null && st.lastResponse().isFinal();
  }
}
