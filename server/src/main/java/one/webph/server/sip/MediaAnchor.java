package one.webph.server.sip;

import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * Hook for media anchoring (issue 4): rewrites the SDP of each leg so media flows through the server's relay.
 * The proxy calls {@link #offer} for every INVITE/re-INVITE/UPDATE with SDP it forwards (once per branch: with
 * forking one offer fans out, the relay is keyed by Call-ID + From tag), {@link #answer} for every 183/2xx with
 * SDP it forwards back, and {@link #release} when the call ends (BYE, CANCEL, failure, timeout). Calls run on
 * the SIP event loop; return a completed future when no I/O is needed.
 */
public interface MediaAnchor {

  /** Which kind of endpoint a leg reaches: browsers need ICE + DTLS-SRTP, phones plain RTP. */
  enum Peer { BROWSER, PHONE }

  /**
   * One leg of a call as the anchor sees it.
   *
   * @param callId the dialog's Call-ID
   * @param fromTag the caller's From tag
   * @param branch identifies the branch (fork) this leg belongs to
   * @param from the peer that sent the SDP
   * @param to the peer that will receive it
   * @param recipientCodecs for an offer: the encoding names its recipient accepts (a community network's
   *                        PEER_*_CODECS), the others are removed; empty = any
   */
  record Leg(String callId, String fromTag, String branch, Peer from, Peer to, java.util.List<String> recipientCodecs) {
    public Leg {
      recipientCodecs = recipientCodecs == null ? java.util.List.of() : java.util.List.copyOf(recipientCodecs);
    }

    public Leg(String callId, String fromTag, String branch, Peer from, Peer to) {
      this(callId, fromTag, branch, from, to, java.util.List.of());
    }
  }

  /** The SDP offer to send toward {@code leg.to()} (the body unchanged by default). */
  Future<byte[]> offer(Leg leg, byte[] sdp);

  /** The SDP answer to send back toward {@code leg.to()} (the body unchanged by default). */
  Future<byte[]> answer(Leg leg, byte[] sdp);

  /** The call ended (BYE, CANCEL, failure, timeout): free the relay ports of this Call-ID. */
  void release(String callId);

  /**
   * Registers who is told (with the Call-ID, on any thread) when a call's media ended by itself: silence for the
   * media timeout, lost ICE consent, a failed DTLS handshake. The proxy then sends BYE to both sides. A relay
   * that never ends media by itself ignores this (the default).
   */
  default void onMediaEnded(Consumer<String> callId) { }

  /**
   * A failure that says which SIP status the branch should get (e.g. 488 for an SDP the relay cannot handle,
   * 503 when no relay port is free); any other failure of {@link #offer} counts as 488.
   */
  class Rejected extends RuntimeException {
    private final int status;

    public Rejected(int status, String message, Throwable cause) {
      super(message, cause);
      if (status < 400 || status > 699) {
        throw new IllegalArgumentException("a rejection is a 4xx-6xx status, got " + status);
      }
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** The default: media flows end to end, SDP untouched. */
  MediaAnchor PASS_THROUGH = new MediaAnchor() {
    @Override
    public Future<byte[]> offer(Leg leg, byte[] sdp) {
      return Future.succeededFuture(sdp);
    }

    @Override
    public Future<byte[]> answer(Leg leg, byte[] sdp) {
      return Future.succeededFuture(sdp);
    }

    @Override
    public void release(String callId) {
      // nothing anchored
    }
  };
}
