package one.webph.media.ng;

/** Malformed, oversized or unsupported bencode data. */
public final class BencodeException extends IllegalArgumentException {
    public BencodeException(String message) {
        super(message);
    }
}
