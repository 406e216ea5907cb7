package one.webph.media.relay;

/** What kind of endpoint is on the far side of a leg. */
public enum LegType {
    /** WebRTC: ICE (we are ICE-lite), DTLS-SRTP, rtcp-mux, UDP/TLS/RTP/SAVPF. */
    BROWSER,
    /** Plain SIP phone / gateway: RTP/AVP, separate RTCP port, no ICE, symmetric latching. */
    PLAIN
}
