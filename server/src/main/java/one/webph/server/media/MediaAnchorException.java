package one.webph.server.media;

import one.webph.server.sip.MediaAnchor;

/**
 * Why the media anchor could not rewrite an SDP, with the SIP status the proxy should answer the branch with:
 * 488 Not Acceptable Here when the relay rejected the SDP itself (no codec in common, no audio, WebRTC SDP
 * without ICE credentials...), 503 Service Unavailable when the relay could not be used (no free port, NG relay
 * not answering, shut down).
 */
public final class MediaAnchorException extends MediaAnchor.Rejected {

  public MediaAnchorException(int sipStatus, String message, Throwable cause) {
    super(sipStatus, message, cause);
  }

  public MediaAnchorException(int sipStatus, String message) {
    this(sipStatus, message, null);
  }

  /** 488 or 503. */
  public int sipStatus() {
    return status();
  }

  /** The SIP reason phrase matching {@link #sipStatus()}. */
  public String sipReason() {
    return status() == 488 ? "Not Acceptable Here" : "Service Unavailable";
  }
}
