package one.webph.server.sip;

/**
 * Told how proxied calls go (call records, issue 7). Every initial INVITE the proxy handles ends in exactly one
 * {@link #onInviteFinished} (its final response, 2xx or not); an answered call later ends in
 * {@link #onDialogEnded} (BYE, media death, idle sweep). Runs on the SIP event loop: must not block.
 */
public interface CallObserver {

  /**
   * The final response of an initial INVITE.
   *
   * @param callId          the Call-ID
   * @param caller          the From user (a number), or the whole From URI when it has no user
   * @param callee          the called number, or the Request-URI user / URI for calls leaving the server
   * @param source          where the INVITE came from: {@code transport:host:port}
   * @param route           "local" for a local number, a community peer's name, else the Request-URI host
   * @param startMillis     when the proxy took the call on (epoch milliseconds)
   * @param finishedMillis  when the final response went upstream (the answer time for a 2xx)
   * @param status          the final SIP status sent to the caller
   * @param callerCancelled true when the caller's CANCEL ended the call (its 487)
   * @param rang            true when some branch sent a provisional response (the callee rang)
   * @param reason          why the server itself ended the call (its own final response's reason phrase, e.g.
   *                        "Not relaying" or "village unreachable"), or null when the callee's side answered
   */
  record InviteOutcome(String callId, String caller, String callee, String source, String route, long startMillis,
      long finishedMillis, int status, boolean callerCancelled, boolean rang, String reason) {

    public InviteOutcome(String callId, String caller, String callee, String source, String route,
        long startMillis, long finishedMillis, int status, boolean callerCancelled, boolean rang) {
      this(callId, caller, callee, source, route, startMillis, finishedMillis, status, callerCancelled, rang, null);
    }

    public boolean answered() {
      return status >= 200 && status < 300;
    }
  }

  /** An initial INVITE got its final response. */
  void onInviteFinished(InviteOutcome outcome);

  /**
   * A dialog established through the proxy ended: a BYE passed ({@code reason} "caller hung up", "callee hung
   * up" or "bye"), the proxy hung up itself (the BYE's reason, e.g. "media ended"), or it was forgotten idle.
   * Called before the media relay releases the call, so its statistics can still be read.
   */
  void onDialogEnded(String callId, String reason);

  /** Observes nothing (no call records). */
  CallObserver NONE = new CallObserver() {
    @Override
    public void onInviteFinished(InviteOutcome outcome) { }

    @Override
    public void onDialogEnded(String callId, String reason) { }
  };
}
