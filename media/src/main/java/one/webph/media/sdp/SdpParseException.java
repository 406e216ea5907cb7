package one.webph.media.sdp;

/** Thrown when an SDP body (or one of its typed attributes) is malformed; the message names the offending line. */
public class SdpParseException extends IllegalArgumentException {
    public SdpParseException(String message) {
        super(message);
    }
}
