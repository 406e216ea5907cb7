package one.webph.media.relay;

import java.util.Objects;

/**
 * How the relay should present itself on one leg.
 *
 * @param type               kind of endpoint on that leg; null means "same kind as the SDP we were given"
 * @param advertisedAddress  IP address written into c=/o=/candidates (the relay's public address for that side)
 */
public record LegOptions(LegType type, String advertisedAddress) {
    public LegOptions {
        Objects.requireNonNull(advertisedAddress, "advertisedAddress");
        if (advertisedAddress.isBlank() || advertisedAddress.contains(" ")) {
            throw new IllegalArgumentException("bad advertised address: " + advertisedAddress);
        }
    }

    public static LegOptions browser(String advertisedAddress) {
        return new LegOptions(LegType.BROWSER, advertisedAddress);
    }

    public static LegOptions plain(String advertisedAddress) {
        return new LegOptions(LegType.PLAIN, advertisedAddress);
    }

    /** Leg kind taken from the SDP itself (used by the answer for the caller's leg, whose kind the offer showed). */
    public static LegOptions sameAsSdp(String advertisedAddress) {
        return new LegOptions(null, advertisedAddress);
    }
}
