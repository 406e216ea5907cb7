package one.webph.server.sip;

import java.util.List;
import one.webph.sip.message.SipRequest;

/**
 * Hooks for push notifications and held calls (issue 5). All run on the SIP event loop and must not block.
 * The defaults are the plain proxy behaviour: a number without contacts answers 480.
 */
public interface CallHooks {

  /**
   * An authenticated INVITE to a local number, after location lookup ({@code bindings} may be empty). The push
   * integration sends "call-incoming" here. The call is forked to every binding right after this returns.
   */
  default void onCallToNumber(String number, SipRequest invite, List<Binding> bindings, PendingCall call) { }

  /**
   * The number exists but has no contact. Return true to take the call over: it stays pending (the caller got
   * 100 Trying) and the hook later calls {@link PendingCall#addBranch} when the app registers, or
   * {@link PendingCall#reject}. Return false to answer 480 Temporarily Unavailable at once.
   */
  default boolean onNoContact(String number, SipRequest invite, PendingCall call) {
    return false;
  }

  /**
   * A MESSAGE to a number without contact. Return true to take it over (e.g. store it and answer 202 with
   * {@link PendingCall#reject}-like {@link PendingCall#respond}); false answers 480.
   */
  default boolean onMessageNoContact(String number, SipRequest message, PendingCall request) {
    return false;
  }

  /**
   * A new binding appeared for a number (a device registered). {@code ringing} lists the INVITEs to that number
   * still waiting for an answer; the default adds the new device as a branch to each (RFC 3261 16.6: a proxy may
   * add branches while a call is pending).
   */
  default void onNewBinding(Binding binding, List<PendingCall> ringing) {
    for (PendingCall call : ringing) {
      call.addBranch(binding);
    }
  }

  /** The call ended before an answer: the caller cancelled or it timed out (push "call-canceled"). */
  default void onCallAbandoned(String number, SipRequest invite) { }

  /** The SIP service is up: hooks that send requests of their own (stored messages) keep the originator. */
  default void attach(MessageOriginator originator) { }

  /** The default hooks. */
  CallHooks DEFAULT = new CallHooks() { };

  /** A proxied request still waiting for its final response. */
  interface PendingCall {
    /** The callee number (R-URI user). */
    String number();

    /** The request as received. */
    SipRequest request();

    /** True once a final response went to the caller. */
    boolean isFinished();

    /** Forks the request to one more binding (ignored when finished or the binding is already a branch). */
    void addBranch(Binding binding);

    /** Answers the caller with a final response now (cancelling branches still ringing). */
    void respond(int status, String reason);

    /** Shorthand for {@code respond(480, "Temporarily Unavailable")}. */
    default void reject() {
      respond(480, "Temporarily Unavailable");
    }
  }
}
