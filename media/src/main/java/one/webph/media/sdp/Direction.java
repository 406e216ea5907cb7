package one.webph.media.sdp;

import java.util.Locale;

/** Media direction attributes (RFC 8866 section 6.7). */
public enum Direction {
    SENDRECV, SENDONLY, RECVONLY, INACTIVE;

    public String attributeName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Direction fromAttributeName(String name) {
        for (Direction d : values()) {
            if (d.attributeName().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** The direction as seen from the other end (what we send is what they receive). */
    public Direction reverse() {
        return switch (this) {
            case SENDONLY -> RECVONLY;
            case RECVONLY -> SENDONLY;
            default -> this;
        };
    }

    public boolean sends() {
        return this == SENDRECV || this == SENDONLY;
    }

    public boolean receives() {
        return this == SENDRECV || this == RECVONLY;
    }
}
