package one.webph.webpush;

/** The {@code Urgency} header (RFC 8030 section 5.3): lets the device save battery on unimportant messages. */
public enum Urgency {
    VERY_LOW("very-low"),
    LOW("low"),
    NORMAL("normal"),
    /** Incoming calls: the device should wake immediately. */
    HIGH("high");

    private final String headerValue;

    Urgency(String headerValue) {
        this.headerValue = headerValue;
    }

    public String headerValue() {
        return headerValue;
    }
}
