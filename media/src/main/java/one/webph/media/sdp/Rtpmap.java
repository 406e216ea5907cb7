package one.webph.media.sdp;

import java.util.Locale;

/** {@code a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]}. */
public record Rtpmap(int payloadType, String encodingName, int clockRate, String encodingParameters) {

    public static Rtpmap parse(String value) {
        int space = value.indexOf(' ');
        if (space < 0) {
            throw new SdpParseException("bad rtpmap: " + value);
        }
        try {
            int pt = Integer.parseInt(value.substring(0, space).trim());
            String[] enc = value.substring(space + 1).trim().split("/");
            if (enc.length < 2) {
                throw new SdpParseException("bad rtpmap encoding: " + value);
            }
            return new Rtpmap(pt, enc[0], Integer.parseInt(enc[1]), enc.length > 2 ? enc[2] : null);
        } catch (NumberFormatException e) {
            throw new SdpParseException("bad rtpmap number: " + value);
        }
    }

    public boolean is(String name) {
        return encodingName.equalsIgnoreCase(name);
    }

    public String lowerName() {
        return encodingName.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return payloadType + " " + encodingName + "/" + clockRate + (encodingParameters == null ? "" : "/" + encodingParameters);
    }
}
