package one.webph.media.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.Rtpmap;
import one.webph.media.sdp.SdpParseException;

/**
 * Restricts an offer's audio section to the codecs a recipient accepts (a community network's PEER_*_CODECS):
 * payload types whose encoding name is allowed keep the offerer's preference order, telephone-event always stays
 * (DTMF). Fails when no allowed codec is left, so the call is refused (488) instead of set up without audio.
 */
final class CodecFilter {
    /** Encoding names of the static payload types (RFC 3551 table 4), used when an offer has no a=rtpmap for one. */
    private static final Map<Integer, String> STATIC_NAMES = Map.of(0, "pcmu", 3, "gsm", 4, "g723", 8, "pcma",
            9, "g722", 13, "cn", 18, "g729");

    private CodecFilter() {
    }

    /**
     * @param audio   the audio section to filter in place
     * @param allowed encoding names (any case, e.g. "PCMU"); empty means any codec
     */
    static void retain(MediaDescription audio, List<String> allowed) {
        if (allowed.isEmpty()) {
            return;
        }
        List<String> names = allowed.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
        List<Integer> keep = new ArrayList<>();
        boolean codecLeft = false;
        for (int pt : audio.payloadTypes()) {
            String name = encodingName(audio, pt);
            if (name == null) {
                continue;
            }
            if (names.contains(name)) {
                keep.add(pt);
                codecLeft = true;
            } else if (name.equals("telephone-event")) {
                keep.add(pt);
            }
        }
        if (!codecLeft) {
            throw new SdpParseException("no codec the recipient accepts (" + String.join(", ", allowed)
                    + ") in the offer");
        }
        audio.retainPayloadTypes(keep);
    }

    private static String encodingName(MediaDescription audio, int pt) {
        Rtpmap map = audio.rtpmap(pt);
        return map != null ? map.lowerName() : STATIC_NAMES.get(pt);
    }
}
