package one.webph.media.relay;

import java.util.List;
import java.util.Objects;

/**
 * How the relay should present itself on one leg.
 *
 * @param type               kind of endpoint on that leg; null means "same kind as the SDP we were given"
 * @param advertisedAddress  IP address written into c=/o=/candidates (the relay's public address for that side)
 * @param codecs             encoding names the recipient of an offer accepts (e.g. PCMU, PCMA); empty = any
 */
public record LegOptions(LegType type, String advertisedAddress, List<String> codecs) {
    public LegOptions {
        Objects.requireNonNull(advertisedAddress, "advertisedAddress");
        if (advertisedAddress.isBlank() || advertisedAddress.contains(" ")) {
            throw new IllegalArgumentException("bad advertised address: " + advertisedAddress);
        }
        codecs = codecs == null ? List.of() : List.copyOf(codecs);
    }

    public LegOptions(LegType type, String advertisedAddress) {
        this(type, advertisedAddress, List.of());
    }

    /** The same options, the offer toward this leg restricted to these codecs (plus telephone-event). */
    public LegOptions withCodecs(List<String> acceptedCodecs) {
        return new LegOptions(type, advertisedAddress, acceptedCodecs);
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
