package one.webph.server.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import one.webph.server.db.DatabaseUnavailableException;
import one.webph.server.sip.Binding;
import one.webph.server.sip.CallHooks;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipUri;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP proxy's push integration (issue 5): held calls and offline messages.
 *
 * <ul>
 *   <li>Every INVITE to a local number pushes "call-incoming" to each of the number's devices, with or without a
 *       live contact (the app may be open on a laptop and closed on the phone). Devices that register while the
 *       call is pending join it as new branches.
 *   <li>Without a live contact the call is held (the caller already got 100 Trying) for PUSH_HOLD_SECONDS; nobody
 *       registering in time gives 480, a number without any push subscription gets 480 as soon as that is known.
 *   <li>"Hang up" on the notification ({@link RejectRegistry}) answers the caller 603 Decline; the caller hanging
 *       up (or Timer C) pushes "call-canceled", which replaces the notification (same Topic).
 *   <li>A MESSAGE to a number without live contact is stored ({@link OfflineMessageStore}), answered 202 and
 *       pushed as "sms-incoming"; a registering device receives the stored messages
 *       ({@link OfflineMessageDelivery}).
 * </ul>
 *
 * <p>The hooks run on the SIP event loop and never block: database and push work go through futures, and every
 * continuation touching a call runs back on the context the call arrived on. A failure inside a hook is logged
 * and falls back to the plain proxy behaviour, never to an exception in the proxy.
 */
public final class PushCallHooks implements CallHooks, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushCallHooks.class);
  /** How often calls that ended without a hook (answered, or every branch failed) are forgotten. */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(2);
  /** State indications (RFC 3994) are meaningless later: never stored. */
  private static final String IS_COMPOSING = "application/im-iscomposing+xml";

  /** A call to a local number that the hooks follow until it ends. */
  private static final class TrackedCall {
    final String number;
    final String callId;
    final String caller;
    final PendingCall call;
    final Context context;
    /** The call-incoming push: how many devices were notified. */
    Future<Integer> notified = Future.succeededFuture(0);
    boolean held;
    boolean branchAdded;
    long holdTimer = -1;

    TrackedCall(String number, String callId, String caller, PendingCall call, Context context) {
      this.number = number;
      this.callId = callId;
      this.caller = caller;
      this.call = call;
      this.context = context;
    }
  }

  private record CallKey(String callId, String number) {}

  private final Vertx vertx;
  private final PushService push;
  private final OfflineMessageStore messages;
  private final OfflineMessageDelivery delivery;
  private final Duration hold;
  private final Clock clock;
  private final Map<CallKey, TrackedCall> calls = new ConcurrentHashMap<>();
  private final Counter held;
  private final Counter missed;
  private final Counter declined;
  private final Counter stored;
  private final Counter refused;
  private volatile long sweepTimer = -1;
  private volatile boolean closed;

  /**
   * @param hold how long a call to a number without contact waits for a device to register (PUSH_HOLD_SECONDS)
   */
  public PushCallHooks(Vertx vertx, PushService push, OfflineMessageStore messages, Duration hold,
      MeterRegistry registry) {
    this(vertx, push, messages, hold, registry, Clock.systemUTC());
  }

  PushCallHooks(Vertx vertx, PushService push, OfflineMessageStore messages, Duration hold, MeterRegistry registry,
      Clock clock) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.push = Objects.requireNonNull(push, "push");
    this.messages = Objects.requireNonNull(messages, "messages");
    if (hold.isNegative() || hold.isZero()) {
      throw new IllegalArgumentException("the call hold time must be positive");
    }
    this.hold = hold;
    this.clock = clock;
    this.delivery = new OfflineMessageDelivery(messages, registry);
    this.held = callCounter(registry, "held");
    this.missed = callCounter(registry, "missed");
    this.declined = callCounter(registry, "declined");
    this.stored = Counter.builder("webphone.messages.offline").tag("outcome", "stored")
        .description("MESSAGEs to numbers without a device, by outcome").register(registry);
    this.refused = Counter.builder("webphone.messages.offline").tag("outcome", "refused")
        .description("MESSAGEs to numbers without a device, by outcome").register(registry);
    push.rejects().onReject(this::rejected);
  }

  private static Counter callCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("webphone.calls.push").tag("outcome", outcome)
        .description("Calls to numbers with push: held for a device, missed, declined from the notification")
        .register(registry);
  }

  /**
   * The proxy's MESSAGE sender for stored messages (wired by the SIP component once it runs). Until set, stored
   * messages are kept and wait.
   */
  public void setMessageSender(OfflineMessageSender sender) {
    delivery.setSender(sender);
  }

  /** The SIP service delivers stored messages for us once it runs. */
  @Override
  public void attach(one.webph.server.sip.MessageOriginator originator) {
    setMessageSender(originator::sendMessage);
  }

  /** The offline message delivery (tests, the SIP component). */
  public OfflineMessageDelivery delivery() {
    return delivery;
  }

  // ================================================================== calls

  @Override
  public void onCallToNumber(String number, SipRequest invite, List<Binding> bindings, PendingCall call) {
    try {
      track(number, invite, call);
    } catch (RuntimeException e) {
      log.warn("push hook failed for the call {} to {}: {}", invite.callId(), number, e.toString());
    }
  }

  @Override
  public boolean onNoContact(String number, SipRequest invite, PendingCall call) {
    TrackedCall tracked;
    try {
      tracked = calls.get(new CallKey(invite.callId(), number));
      if (tracked == null || tracked.call != call) {
        tracked = track(number, invite, call); // the proxy always calls onCallToNumber first; be safe anyway
      }
    } catch (RuntimeException e) {
      log.warn("cannot hold the call {} to {}: {}", invite.callId(), number, e.toString());
      return false;
    }
    TrackedCall holding = tracked;
    holding.held = true;
    held.increment();
    // Whether the number has a push subscription is known only once the push lookup completes: until then the
    // call is held; none (or a failed lookup) ends it with 480 right away.
    holding.holdTimer = vertx.setTimer(hold.toMillis(), id -> holdExpired(holding));
    holding.notified.onComplete(ar -> OfflineMessageDelivery.onContext(holding.context, () -> {
      if (holding.call.isFinished() || holding.branchAdded) {
        return;
      }
      if (ar.failed()) {
        log.warn("call {} to {}: push failed ({}); 480", holding.callId, number, ar.cause().toString());
        end(holding, 480, "Temporarily Unavailable", false);
      } else if (ar.result() == 0) {
        log.info("call {} to {}: no device and no push subscription; 480", holding.callId, number);
        end(holding, 480, "Temporarily Unavailable", false);
      } else {
        log.info("call {} from {} to {} held up to {} s for one of {} pushed device(s)", holding.callId,
            holding.caller, number, hold.toSeconds(), ar.result());
      }
    }));
    return true;
  }

  @Override
  public void onNewBinding(Binding binding, List<PendingCall> ringing) {
    for (PendingCall call : ringing) {
      try {
        TrackedCall tracked = calls.get(new CallKey(call.request().callId(), call.number()));
        call.addBranch(binding);
        if (tracked != null && tracked.call == call && !call.isFinished()) {
          tracked.branchAdded = true;
          // A device is ringing now: the INVITE timeout (Timer C) bounds the call from here on.
          cancelHoldTimer(tracked);
          log.info("call {} to {}: device {} registered, new branch", tracked.callId, tracked.number,
              binding.contactUri());
        }
      } catch (RuntimeException e) {
        log.warn("cannot add {} to the call {}: {}", binding.contactUri(), call.request().callId(), e.toString());
      }
    }
    try {
      delivery.deliverTo(binding);
    } catch (RuntimeException e) {
      log.warn("cannot start delivering stored messages to {}: {}", binding.number(), e.toString());
    }
  }

  @Override
  public void onCallAbandoned(String number, SipRequest invite) {
    TrackedCall tracked = calls.remove(new CallKey(invite.callId(), number));
    String caller = tracked != null ? tracked.caller : callerOf(invite);
    if (tracked != null) {
      cancelHoldTimer(tracked);
    }
    missed.increment();
    log.info("missed call {} from {} to {}: abandoned before an answer", invite.callId(), caller, number);
    canceled(number, caller, invite.callId());
  }

  /** "Hang up" on a notification: 603 Decline to the caller, other branches cancelled, other devices told. */
  private void rejected(String callId, String callee) {
    TrackedCall tracked = calls.get(new CallKey(callId, callee));
    if (tracked == null) {
      log.info("reject for the call {} to {}, which is no longer pending", callId, callee);
      return;
    }
    OfflineMessageDelivery.onContext(tracked.context, () -> {
      if (tracked.call.isFinished()) {
        forget(tracked);
        return;
      }
      declined.increment();
      log.info("call {} from {} to {} declined from a notification: 603", callId, tracked.caller, callee);
      end(tracked, 603, "Decline", true);
    });
  }

  private void holdExpired(TrackedCall tracked) {
    tracked.holdTimer = -1;
    if (tracked.call.isFinished()) {
      forget(tracked);
      return;
    }
    if (tracked.branchAdded) {
      return;
    }
    missed.increment();
    log.info("missed call {} from {} to {}: no device registered within {} s; 480", tracked.callId, tracked.caller,
        tracked.number, hold.toSeconds());
    end(tracked, 480, "Temporarily Unavailable", true);
  }

  /** Answers the caller, tells the devices (when they were pushed) and forgets the call. */
  private void end(TrackedCall tracked, int status, String reason, boolean pushCanceled) {
    calls.remove(new CallKey(tracked.callId, tracked.number), tracked);
    cancelHoldTimer(tracked);
    try {
      tracked.call.respond(status, reason);
    } finally {
      if (pushCanceled) {
        canceled(tracked.number, tracked.caller, tracked.callId);
      } else {
        push.rejects().forget(tracked.callId, tracked.number);
      }
    }
  }

  /** Pushes call-canceled (same id and Topic as call-incoming), then drops the call's reject token. */
  private void canceled(String number, String caller, String callId) {
    push.notifyCallCanceled(number, caller, callId)
        .onFailure(e -> log.warn("call-canceled push for {} to {} failed: {}", callId, number, e.toString()));
    push.rejects().forget(callId, number);
  }

  private TrackedCall track(String number, SipRequest invite, PendingCall call) {
    String callId = invite.callId();
    String caller = callerOf(invite);
    TrackedCall tracked = new TrackedCall(number, callId, caller, call, Vertx.currentContext());
    TrackedCall previous = calls.put(new CallKey(callId, number), tracked);
    if (previous != null) {
      cancelHoldTimer(previous);
    }
    tracked.notified = push.notifyCallIncoming(number, caller, callId);
    tracked.notified.onFailure(e -> log.warn("call-incoming push for {} to {} failed: {}", callId, number,
        e.toString()));
    scheduleSweep();
    return tracked;
  }

  private void forget(TrackedCall tracked) {
    calls.remove(new CallKey(tracked.callId, tracked.number), tracked);
    cancelHoldTimer(tracked);
    push.rejects().forget(tracked.callId, tracked.number);
  }

  private void cancelHoldTimer(TrackedCall tracked) {
    if (tracked.holdTimer >= 0) {
      vertx.cancelTimer(tracked.holdTimer);
      tracked.holdTimer = -1;
    }
  }

  /**
   * Calls that ended without a hook (answered, or every branch failed) are forgotten by a periodic sweep, which
   * runs only while calls are tracked.
   */
  private synchronized void scheduleSweep() {
    if (sweepTimer < 0 && !closed) {
      sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL.toMillis(), id -> sweep());
    }
  }

  private void sweep() {
    for (TrackedCall tracked : new ArrayList<>(calls.values())) {
      if (tracked.call.isFinished()) {
        OfflineMessageDelivery.onContext(tracked.context, () -> forget(tracked));
      }
    }
    synchronized (this) {
      if (calls.isEmpty() && sweepTimer >= 0) {
        vertx.cancelTimer(sweepTimer);
        sweepTimer = -1;
      }
    }
  }

  /** Calls followed right now (tests). */
  int trackedCalls() {
    return calls.size();
  }

  // ================================================================== messages

  @Override
  public boolean onMessageNoContact(String number, SipRequest message, PendingCall request) {
    String contentType = message.contentType();
    if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(IS_COMPOSING)) {
      return false; // "is typing" for someone who is not there: 480
    }
    Context context = Vertx.currentContext();
    String senderUri;
    String caller;
    Instant date;
    byte[] body;
    try {
      senderUri = message.from().uri().toString();
      caller = callerOf(message);
      date = messageDate(message.header(SipHeaders.DATE));
      body = message.body();
    } catch (RuntimeException e) {
      log.warn("MESSAGE {} to {} cannot be stored: {}", message.callId(), number, e.toString());
      return false;
    }
    if (body.length > OfflineMessageStore.MAX_BODY_BYTES) {
      refused.increment();
      log.warn("MESSAGE {} from {} to {} not stored: {} bytes, at most {} are kept; 513", message.callId(), caller,
          number, body.length, OfflineMessageStore.MAX_BODY_BYTES);
      request.respond(513, "Message Too Large");
      return true;
    }
    delivery.storeStarted(number);
    Future<Long> storing;
    try {
      storing = messages.store(number, senderUri, contentType, body, date);
    } catch (RuntimeException e) {
      storing = Future.failedFuture(e);
    }
    storing.onComplete(ar -> OfflineMessageDelivery.onContext(context, () -> {
      delivery.storeEnded(number, ar.succeeded());
      if (ar.failed()) {
        refused.increment();
        Throwable cause = ar.cause();
        int status = failureStatus(cause);
        log.warn("MESSAGE {} from {} to {} not stored ({}): {}", message.callId(), caller, number, status,
            cause.toString());
        request.respond(status, failureReason(status));
        return;
      }
      stored.increment();
      log.info("MESSAGE {} from {} to {} stored as {} for delivery on registration; 202", message.callId(), caller,
          number, ar.result());
      request.respond(202, "Accepted");
      push.notifySms(number, caller, pushText(contentType, body))
          .onFailure(e -> log.warn("sms-incoming push to {} failed: {}", number, e.toString()));
    }));
    return true;
  }

  /** Why a message could not be stored, as a SIP status (server-side classes: the sender did nothing wrong). */
  static int failureStatus(Throwable cause) {
    if (cause instanceof OfflineMessageStore.MailboxFullException) {
      return 480; // like an unreachable user: the sender may try later
    }
    if (cause instanceof DatabaseUnavailableException) {
      return 503;
    }
    return 500;
  }

  private static String failureReason(int status) {
    return switch (status) {
      case 480 -> "Temporarily Unavailable";
      case 503 -> "Service Unavailable";
      default -> "Server Internal Error";
    };
  }

  /** The message's Date header; now when absent, malformed or in the future (it orders the mailbox). */
  Instant messageDate(String header) {
    Instant now = clock.instant();
    Instant date = OfflineMessageDelivery.parseSipDate(header);
    return date == null || date.isAfter(now) ? now : date;
  }

  /** The text shown in the notification: the body for text types, else a short description. */
  static String pushText(String contentType, byte[] body) {
    String type = contentType == null ? "text/plain" : contentType.toLowerCase(Locale.ROOT).strip();
    if (!type.startsWith("text/")) {
      return "(" + type.split(";", 2)[0].strip() + " message)";
    }
    return new String(body, charsetOf(type));
  }

  private static Charset charsetOf(String contentType) {
    for (String param : contentType.split(";")) {
      String[] pair = param.strip().split("=", 2);
      if (pair.length == 2 && pair[0].strip().equals("charset")) {
        try {
          return Charset.forName(pair[1].strip().replace("\"", ""));
        } catch (RuntimeException e) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }

  /** The caller as the notification shows it: the From number (user part), else the From URI. */
  static String callerOf(SipRequest request) {
    NameAddress from = request.from();
    if (from == null) {
      return "unknown";
    }
    if (from.uri() instanceof SipUri sip && sip.user() != null && !sip.user().isEmpty()) {
      return sip.userDecoded();
    }
    return from.uri().toString();
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
      sweepTimer = -1;
    }
    for (TrackedCall tracked : calls.values()) {
      if (tracked.holdTimer >= 0) {
        vertx.cancelTimer(tracked.holdTimer);
      }
    }
    calls.clear();
  }
}
