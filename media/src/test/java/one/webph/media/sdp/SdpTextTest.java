package one.webph.media.sdp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SdpTextTest {
    @Test
    void fieldsAndLinesSplitAsTheRegularExpressionsDid() {
        for (String value : List.of("IN IP4 127.0.0.1", "  audio  4000   RTP/AVP 0 8 ", "one", "", "   ",
                "a\tb c", "sha-256 AB:CD")) {
            assertThat(SdpText.fields(value)).as(value).containsExactly(value.trim().split(" +"));
        }
        for (String text : List.of("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", "v=0\no=x\n", "v=0", "a\rb\n", "a\r\r\nb",
                "\r\n\r\n", "", "x\r\ny\nz")) {
            assertThat(SdpText.lines(text)).as(text).containsExactly(text.split("\r\n|\n", -1));
        }
    }
}
