package one.webph.webpush;

/** The payload does not fit a single 4096-byte Web Push message body (RFC 8291 section 4). */
public final class PayloadTooLargeException extends IllegalArgumentException {
    private final int size;
    private final int limit;

    public PayloadTooLargeException(int size, int limit) {
        super("push payload is " + size + " bytes; at most " + limit + " bytes fit one encrypted 4096-byte push message");
        this.size = size;
        this.limit = limit;
    }

    public int size() {
        return size;
    }

    public int limit() {
        return limit;
    }
}
