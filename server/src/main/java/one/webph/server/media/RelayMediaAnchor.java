package one.webph.server.media;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import one.webph.media.ng.NgException;
import one.webph.media.relay.EndReason;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.MediaControl;
import one.webph.media.relay.SessionStatistics;
import one.webph.server.sip.MediaAnchor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anchors every call's media in the relay ({@link MediaControl}: the in-process {@code MediaRelay} or an NG
 * client), as Kamailio's rtpengine_offer/answer/delete did: the proxy's offers become relay offers, its 183/2xx
 * answers relay answers, the end of the call a delete.
 *
 * <p>Leg kinds: the recipient of an offer is a browser when the proxy reaches it over WebSocket, a plain RTP phone
 * otherwise ({@link LegOptions#browser}/{@link LegOptions#plain}); the sender's kind is not taken from its
 * transport but from its SDP (the relay reads UDP/TLS/RTP/SAVPF + ICE as WebRTC, RTP/AVP as plain), so a SIP
 * client on TCP that offers DTLS-SRTP is handled as WebRTC, and answers use {@link LegOptions#sameAsSdp}.
 *
 * <p>Forking: one relay session per Call-ID and kind of callee. Branches to callees of the same kind share it
 * (the first branch's offer allocates; later branches with the same SDP get the same result, since the relay is
 * keyed by Call-ID + From tag); when one call forks to a browser and to a phone, the second kind gets its own
 * session under {@code <Call-ID>~phone} / {@code <Call-ID>~browser}, each answer goes to the session of its
 * branch, and release deletes them all.
 *
 * <p>Tags: {@link MediaAnchor.Leg} carries the From tag only, so the callee side is named {@link #CALLEE_TAG}
 * towards the relay; a re-INVITE from the callee (From tag different from the caller's) is sent as an offer
 * from that tag, which the relay applies in the reverse direction.
 *
 * <p>Inactivity: the relay decides when a call's media died (silence for MEDIA_TIMEOUT_SECONDS counted from the
 * last packet or offer/answer, lost ICE consent, failed DTLS) and reports it through {@link #relayEnded}; the
 * in-process relay calls that directly. A relay behind NG cannot call back, so {@link #start} polls it for the
 * answered calls' sessions and treats a session the relay no longer knows as ended (see {@link #checkVanished}).
 * Either way the listeners of {@link #onMediaEnded} are told, and the proxy hangs the call up.
 *
 * <p>Threading: the proxy calls from its event loop; the futures returned complete on the caller's context
 * (relay results arrive on the relay's loops). State per call is guarded by the call's monitor.
 */
public final class RelayMediaAnchor implements MediaAnchor {
  private static final Logger log = LoggerFactory.getLogger(RelayMediaAnchor.class);
  /** To tag given to the relay for the callee side of every session. */
  static final String CALLEE_TAG = "webphone-callee";
  /** How long an ended call's final media statistics stay available to {@link #statistics} (call records). */
  static final Duration ENDED_STATISTICS_RETENTION = Duration.ofMinutes(2);
  /** Bound on ended calls remembered, whatever their age (a burst of short calls cannot grow memory). */
  static final int ENDED_STATISTICS_MAX = 10_000;

  private final Vertx vertx;
  private final MediaControl control;
  private final String advertisedAddress;
  private final long operationTimeoutMillis;
  private final Duration pollInterval;
  private final Map<String, CallMedia> calls = new ConcurrentHashMap<>();
  private final Map<String, CallMedia> byRelayId = new ConcurrentHashMap<>();
  private final List<Consumer<String>> endListeners = new CopyOnWriteArrayList<>();
  /** Final statistics of ended calls by Call-ID, oldest first; guarded by its own monitor. */
  private final LinkedHashMap<String, EndedCall> endedCalls = new LinkedHashMap<>();
  private long checkTimer = -1;

  /** What is kept of an ended call: its media statistics (may still be arriving from the relay). */
  private record EndedCall(Future<SessionStatistics> statistics, long expiresAtNanos) {
  }

  /** A relay session: one callee kind of one call. */
  private static final class RelaySession {
    final String relayId;
    final Peer calleeKind;
    /** The last offer sent and its result, reused for forked branches offering the same SDP. */
    String offerTag;
    byte[] offerSdp;
    Future<byte[]> offerResult;
    boolean established;
    boolean answered;
    /** The last statistics polled (NG relay): what remains when the relay drops the session without telling us. */
    volatile SessionStatistics lastPolled;

    RelaySession(String relayId, Peer calleeKind) {
      this.relayId = relayId;
      this.calleeKind = calleeKind;
    }
  }

  /** Everything anchored for one Call-ID. */
  private static final class CallMedia {
    final String callId;
    final String callerTag;
    final Map<Peer, RelaySession> sessions = new EnumMap<>(Peer.class);
    final Map<String, Peer> branches = new HashMap<>();
    /** The kind of callee whose answer came last: the session carrying the dialog's media. */
    Peer answered;
    boolean released;

    CallMedia(String callId, String callerTag) {
      this.callId = callId;
      this.callerTag = callerTag;
    }
  }

  /**
   * @param advertisedAddress the relay address written into SDP (ignored by an NG relay, which uses its own)
   * @param operationTimeout  longest wait for one relay operation before the branch fails (never hang a call)
   * @param pollInterval      how often {@link #start} asks the relay whether answered calls' sessions still exist
   *                          (only needed for a relay that cannot report ends itself: NG)
   */
  public RelayMediaAnchor(Vertx vertx, MediaControl control, String advertisedAddress, Duration operationTimeout,
      Duration pollInterval) {
    this.vertx = vertx;
    this.control = control;
    this.advertisedAddress = advertisedAddress;
    this.operationTimeoutMillis = operationTimeout.toMillis();
    this.pollInterval = pollInterval;
    // LegOptions validates the address; fail at construction rather than on the first call.
    LegOptions.plain(advertisedAddress);
  }

  /**
   * Starts polling the relay for sessions it ended on its own without telling us (a relay behind NG); not needed
   * for the in-process relay, whose end listener calls {@link #relayEnded}.
   */
  public synchronized void start() {
    if (checkTimer < 0) {
      checkTimer = vertx.setPeriodic(Math.max(100, pollInterval.toMillis()), id -> checkVanished());
    }
  }

  public synchronized void stop() {
    if (checkTimer >= 0) {
      vertx.cancelTimer(checkTimer);
      checkTimer = -1;
    }
  }

  /**
   * Registers who is told (with the Call-ID) when a call's media ended without a SIP request: silence, lost ICE
   * consent or a failed DTLS handshake. The proxy then ends the call with a BYE to both sides.
   * Called on a Vert.x event loop (not necessarily the proxy's).
   */
  @Override
  public void onMediaEnded(Consumer<String> listener) {
    endListeners.add(listener);
  }

  // ---------------------------------------------------------------- MediaAnchor

  @Override
  public Future<byte[]> offer(Leg leg, byte[] sdp) {
    CallMedia call = calls.computeIfAbsent(leg.callId(), id -> new CallMedia(id, leg.fromTag()));
    boolean fromCaller = leg.fromTag().equals(call.callerTag);
    // The session is chosen by the callee's kind: the recipient of the caller's offers, the sender of the callee's.
    Peer calleeKind = fromCaller ? leg.to() : leg.from();
    String relayTag = fromCaller ? call.callerTag : CALLEE_TAG;
    RelaySession session;
    synchronized (call) {
      if (call.released) {
        return Future.failedFuture(new MediaAnchorException(503, "call " + leg.callId() + " already ended"));
      }
      session = call.sessions.get(calleeKind);
      if (session == null) {
        String relayId = call.sessions.isEmpty() ? call.callId
            : call.callId + "~" + calleeKind.name().toLowerCase(java.util.Locale.ROOT);
        session = new RelaySession(relayId, calleeKind);
        call.sessions.put(calleeKind, session);
        byRelayId.put(relayId, call);
      }
      call.branches.put(leg.branch(), calleeKind);
      if (session.offerResult != null && relayTag.equals(session.offerTag) && Arrays.equals(sdp, session.offerSdp)
          && !session.offerResult.failed()) {
        return session.offerResult; // another branch of the same fork: same ports, same SDP
      }
      LegOptions recipient = (leg.to() == Peer.BROWSER ? LegOptions.browser(advertisedAddress)
          : LegOptions.plain(advertisedAddress)).withCodecs(leg.recipientCodecs());
      RelaySession s = session;
      session.offerTag = relayTag;
      session.offerSdp = sdp.clone();
      Future<byte[]> result = onCallerContext(control.offer(s.relayId, relayTag, text(sdp), recipient), "offer")
          .transform(ar -> settleOffer(call, s, ar.succeeded() ? null : ar.cause(),
              ar.succeeded() ? bytes(ar.result()) : null));
      // (a relay failing at once has already settled: a failed result is never reused)
      session.offerResult = result;
      return result;
    }
  }

  private Future<byte[]> settleOffer(CallMedia call, RelaySession session, Throwable error, byte[] result) {
    boolean released;
    boolean firstOffer;
    synchronized (call) {
      released = call.released;
      firstOffer = !session.established;
      if (error == null) {
        session.established = true;
      } else {
        session.offerResult = null; // a retry (e.g. a later branch) asks the relay again
        if (firstOffer && call.sessions.get(session.calleeKind) == session) {
          // The relay keeps nothing of a rejected first offer; forget the session so it cannot leak.
          call.sessions.remove(session.calleeKind);
          byRelayId.remove(session.relayId, call);
          if (call.sessions.isEmpty()) {
            calls.remove(call.callId, call);
          }
        }
      }
    }
    if (error != null) {
      MediaAnchorException failure = classify("offer", call.callId, error);
      log.info("call {}: media offer refused ({}): {}", call.callId, failure.sipStatus(), failure.getMessage());
      if (firstOffer) {
        deleteQuietly(session.relayId); // an NG relay may have created state before rejecting
      }
      return Future.failedFuture(failure);
    }
    if (released) {
      // The call ended (CANCEL, failure) while the relay allocated: free what the offer created.
      deleteQuietly(session.relayId);
      return Future.failedFuture(new MediaAnchorException(503, "call " + call.callId + " ended during the offer"));
    }
    return Future.succeededFuture(result);
  }

  @Override
  public Future<byte[]> answer(Leg leg, byte[] sdp) {
    CallMedia call = calls.get(leg.callId());
    if (call == null) {
      return Future.failedFuture(new MediaAnchorException(488, "no media session for call " + leg.callId()
          + " (answer without an anchored offer)"));
    }
    boolean offerFromCaller = leg.fromTag().equals(call.callerTag);
    RelaySession session;
    synchronized (call) {
      Peer kind = call.branches.get(leg.branch());
      if (kind == null) {
        kind = offerFromCaller ? leg.from() : leg.to();
      }
      session = call.released ? null : call.sessions.get(kind);
      if (session == null) {
        return Future.failedFuture(new MediaAnchorException(488, "no media session for call " + leg.callId()
            + " toward a " + kind.name().toLowerCase(java.util.Locale.ROOT)));
      }
    }
    String fromTag = offerFromCaller ? call.callerTag : CALLEE_TAG;
    String toTag = offerFromCaller ? CALLEE_TAG : call.callerTag;
    RelaySession s = session;
    boolean toBrowser = leg.to() == Peer.BROWSER;
    return onCallerContext(control.answer(s.relayId, fromTag, toTag, text(sdp),
        LegOptions.sameAsSdp(advertisedAddress)), "answer")
        .map(answer -> toBrowser ? withBundleGroup(answer) : answer)
        .transform(ar -> {
          if (ar.failed()) {
            MediaAnchorException failure = classify("answer", call.callId, ar.cause());
            log.info("call {}: media answer refused: {}", call.callId, failure.getMessage());
            return Future.failedFuture(failure);
          }
          synchronized (call) {
            call.answered = s.calleeKind;
            s.answered = true;
          }
          return Future.succeededFuture(bytes(ar.result()));
        });
  }

  /**
   * The call ended (BYE, CANCEL, failure): its final statistics are fetched and kept (see {@link #statistics}),
   * then its relay sessions are deleted.
   */
  @Override
  public void release(String callId) {
    CallMedia call = calls.remove(callId);
    if (call == null) {
      return;
    }
    String mediaRelayId = mediaRelayId(call);
    List<String> relayIds = forget(call);
    if (mediaRelayId == null) {
      relayIds.forEach(this::deleteQuietly);
      return;
    }
    // One request ends the media session and returns its last figures (a relay forgets a deleted session's).
    Future<SessionStatistics> last = control.deleteAndReport(mediaRelayId).recover(e -> {
      log.debug("call {}: final media statistics unavailable: {}", callId, e.toString());
      deleteQuietly(mediaRelayId); // the delete itself may not have happened: ask again
      return Future.succeededFuture(null);
    });
    rememberEnded(callId, last);
    for (String relayId : relayIds) {
      if (!relayId.equals(mediaRelayId)) {
        deleteQuietly(relayId);
      }
    }
  }

  /**
   * Statistics of the call's media (the answered session, else the first): live while the call lasts, then the
   * final figures for {@link #ENDED_STATISTICS_RETENTION} after it ended (released by the proxy or ended by the
   * relay); null when nothing is or was anchored.
   */
  public Future<SessionStatistics> statistics(String callId) {
    CallMedia call = calls.get(callId);
    String relayId = call == null ? null : mediaRelayId(call);
    if (relayId != null) {
      return onCallerContext(control.statistics(relayId), "report statistics");
    }
    Future<SessionStatistics> ended = endedStatistics(callId);
    return ended == null ? Future.succeededFuture(null) : onCallerContext(ended, "report statistics");
  }

  /** The relay session carrying the call's media: the answered one, else the first; null when none. */
  private static String mediaRelayId(CallMedia call) {
    synchronized (call) {
      RelaySession s = call.answered != null ? call.sessions.get(call.answered)
          : call.sessions.values().stream().findFirst().orElse(null);
      return s == null ? null : s.relayId;
    }
  }

  private void rememberEnded(String callId, Future<SessionStatistics> statistics) {
    long now = System.nanoTime();
    synchronized (endedCalls) {
      endedCalls.remove(callId); // re-inserted last: the map stays in expiry order
      endedCalls.put(callId, new EndedCall(statistics, now + ENDED_STATISTICS_RETENTION.toNanos()));
      var oldest = endedCalls.entrySet().iterator();
      while (oldest.hasNext()) {
        var entry = oldest.next();
        if (endedCalls.size() <= ENDED_STATISTICS_MAX && entry.getValue().expiresAtNanos() - now > 0) {
          break;
        }
        oldest.remove();
      }
    }
  }

  private Future<SessionStatistics> endedStatistics(String callId) {
    synchronized (endedCalls) {
      EndedCall ended = endedCalls.get(callId);
      if (ended == null) {
        return null;
      }
      if (ended.expiresAtNanos() - System.nanoTime() <= 0) {
        endedCalls.remove(callId);
        return null;
      }
      return ended.statistics();
    }
  }

  /** Ended calls whose statistics are still kept (tests). */
  int endedCallCount() {
    synchronized (endedCalls) {
      return endedCalls.size();
    }
  }

  /** Calls with anchored media right now. */
  public int callCount() {
    return calls.size();
  }

  /** Relay sessions this anchor holds (more than calls while a call forks to browsers and phones). */
  public int sessionCount() {
    return byRelayId.size();
  }

  // ---------------------------------------------------------------- media ending on its own

  /**
   * The relay ended a session by itself (its {@code SessionEndListener}). A session that carried the call's
   * media (the answered one, or the only one) ends the call, and its final statistics are kept for
   * {@link #statistics}; a losing fork's session just goes away. The relay closing (server shutdown) is not
   * reported: the SIP side is stopping too.
   */
  public void relayEnded(String relayId, EndReason reason, SessionStatistics finalStatistics) {
    CallMedia call = byRelayId.get(relayId);
    if (call == null) {
      return;
    }
    boolean endsCall;
    synchronized (call) {
      RelaySession session = call.sessions.values().stream().filter(s -> s.relayId.equals(relayId)).findFirst()
          .orElse(null);
      if (session == null || call.released) {
        return;
      }
      endsCall = call.answered == session.calleeKind || call.sessions.size() == 1;
      call.sessions.remove(session.calleeKind);
      byRelayId.remove(relayId, call);
      if (!endsCall) {
        return;
      }
    }
    rememberEnded(call.callId, Future.succeededFuture(finalStatistics));
    endCall(call, reason.name().toLowerCase(java.util.Locale.ROOT), reason != EndReason.RELAY_CLOSED);
  }

  /**
   * Asks the relay about the session carrying each answered call's media; one the relay no longer knows (it ended
   * it on its own timeout and could not tell us) ends the call.
   */
  void checkVanished() {
    for (CallMedia call : calls.values()) {
      RelaySession session;
      synchronized (call) {
        session = call.released || call.answered == null ? null : call.sessions.get(call.answered);
        if (session == null) {
          continue;
        }
      }
      String relayId = session.relayId;
      control.statistics(relayId).onSuccess(stats -> {
        if (stats == null) {
          relayEnded(relayId, EndReason.INACTIVITY, session.lastPolled);
        } else {
          session.lastPolled = stats;
        }
      }).onFailure(e -> log.debug("call {}: media statistics unavailable: {}", call.callId, e.toString()));
    }
  }

  private void endCall(CallMedia call, String why, boolean tellProxy) {
    if (!calls.remove(call.callId, call)) {
      return;
    }
    List<String> relayIds = forget(call);
    for (String relayId : relayIds) {
      deleteQuietly(relayId);
    }
    if (!tellProxy) {
      return;
    }
    log.info("call {}: media ended ({}), the call should be hung up", call.callId, why);
    for (Consumer<String> listener : endListeners) {
      try {
        listener.accept(call.callId);
      } catch (RuntimeException e) {
        log.warn("media end listener failed for call {}", call.callId, e);
      }
    }
  }

  /** Marks the call released and returns the relay ids of its sessions (no longer tracked). */
  private List<String> forget(CallMedia call) {
    List<String> relayIds = new ArrayList<>();
    synchronized (call) {
      call.released = true;
      for (RelaySession s : call.sessions.values()) {
        relayIds.add(s.relayId);
        byRelayId.remove(s.relayId, call);
      }
      call.sessions.clear();
      call.branches.clear();
    }
    return relayIds;
  }

  private void deleteQuietly(String relayId) {
    control.delete(relayId).onFailure(e -> log.warn("media relay delete of {} failed: {}", relayId, e.toString()));
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Bounds a relay operation by the operation timeout and completes on the calling context, so the proxy's
   * single-threaded state is only touched from its own event loop.
   */
  private <T> Future<T> onCallerContext(Future<T> operation, String what) {
    Context context = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(operationTimeoutMillis, id -> promise.tryFail(new MediaAnchorException(503,
        "media relay did not " + what + " within " + operationTimeoutMillis + " ms")));
    operation.onComplete(ar -> {
      Runnable deliver = () -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          promise.tryComplete(ar.result());
        } else {
          promise.tryFail(ar.cause());
        }
      };
      if (context == null || context == Vertx.currentContext()) {
        deliver.run();
      } else {
        context.runOnContext(v -> deliver.run());
      }
    });
    return promise.future();
  }

  /** 488 for SDP the relay cannot use, 503 for a relay that is unavailable. */
  static MediaAnchorException classify(String operation, String callId, Throwable error) {
    if (error instanceof MediaAnchorException e) {
      return e;
    }
    boolean badSdp = error instanceof IllegalArgumentException
        || (error instanceof NgException ng && !ng.isTimeout());
    return new MediaAnchorException(badSdp ? 488 : 503, "media relay refused the " + operation + " of call "
        + callId + ": " + (error.getMessage() != null ? error.getMessage() : error.toString()), error);
  }

  /**
   * Adds {@code a=group:BUNDLE <mid>} to a WebRTC answer for a browser when the relay left it out. Our relay's
   * SdpRewriter writes it; this covers another relay behind NG (RTPEngine), since Chromium refuses an answer that
   * drops the BUNDLE group its max-bundle offer created ("Answer cannot remove m= section with mid='0' from
   * already-established BUNDLE group"). One audio section: the group is just its mid (RFC 9143).
   */
  static String withBundleGroup(String sdp) {
    if (!sdp.contains("a=ice-ufrag:") || sdp.contains("a=group:BUNDLE")) {
      return sdp;
    }
    java.util.regex.Matcher mid = java.util.regex.Pattern.compile("(?m)^a=mid:(\\S+)\r?$").matcher(sdp);
    int media = sdp.startsWith("m=") ? 0 : sdp.indexOf("\nm=") + 1;
    if (!mid.find() || media <= 0) {
      return sdp;
    }
    return sdp.substring(0, media) + "a=group:BUNDLE " + mid.group(1) + "\r\n" + sdp.substring(media);
  }

  /** SDP is UTF-8 text (RFC 8866 section 5). */
  private static String text(byte[] sdp) {
    return new String(sdp, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String sdp) {
    return sdp.getBytes(StandardCharsets.UTF_8);
  }
}
