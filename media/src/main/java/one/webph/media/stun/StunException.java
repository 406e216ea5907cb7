package one.webph.media.stun;

/** A datagram that claims to be STUN but is malformed. */
public class StunException extends Exception {
    public StunException(String message) {
        super(message);
    }
}
