package one.webph.media.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Splitting of SDP text without regular expressions: {@code String.split(" +")} compiles a pattern on every call,
 * which was a tenth of the in-process relay's CPU per call (docs/PERFORMANCE.md, Media, "Call setup and
 * teardown").
 */
final class SdpText {
    private SdpText() {
    }

    /** The space-separated fields of a trimmed value, as {@code value.trim().split(" +")} gives them. */
    static String[] fields(String value) {
        String s = value.trim();
        List<String> out = new ArrayList<>(8);
        int i = 0;
        int n = s.length();
        while (i < n) {
            int end = s.indexOf(' ', i);
            if (end < 0) {
                end = n;
            }
            out.add(s.substring(i, end));
            i = end;
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
        }
        return out.isEmpty() ? new String[] {""} : out.toArray(new String[0]);
    }

    /** The lines of an SDP body, split at CRLF or LF; trailing empty lines kept, as {@code split("\r\n|\n", -1)}. */
    static String[] lines(String text) {
        List<String> out = new ArrayList<>(32);
        int start = 0;
        while (true) {
            int lf = text.indexOf('\n', start);
            if (lf < 0) {
                out.add(text.substring(start));
                return out.toArray(new String[0]);
            }
            int end = lf > start && text.charAt(lf - 1) == '\r' ? lf - 1 : lf;
            out.add(text.substring(start, end));
            start = lf + 1;
        }
    }
}
