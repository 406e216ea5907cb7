package one.webph.media.ng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BencodeTest {
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void encodesScalarsAsInBep3() {
        assertThat(Bencode.encode("spam")).isEqualTo(ascii("4:spam"));
        assertThat(Bencode.encode("")).isEqualTo(ascii("0:"));
        assertThat(Bencode.encode(3)).isEqualTo(ascii("i3e"));
        assertThat(Bencode.encode(-3L)).isEqualTo(ascii("i-3e"));
        assertThat(Bencode.encode(0)).isEqualTo(ascii("i0e"));
        assertThat(Bencode.encode(List.of("spam", "eggs"))).isEqualTo(ascii("l4:spam4:eggse"));
        assertThat(Bencode.encode("é")).isEqualTo(new byte[] {'2', ':', (byte) 0xc3, (byte) 0xa9});
    }

    @Test
    void encodesDictionaryKeysSorted() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spam", List.of("a", "b"));
        m.put("cow", "moo");
        assertThat(new String(Bencode.encode(m), StandardCharsets.US_ASCII)).isEqualTo("d3:cow3:moo4:spaml1:a1:bee");
    }

    @Test
    void roundTripsAnNgOfferWithSdp() {
        String sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        Map<String, Object> offer = new LinkedHashMap<>();
        offer.put("command", "offer");
        offer.put("call-id", "abc@host");
        offer.put("from-tag", "t1");
        offer.put("sdp", sdp);
        offer.put("rtcp-mux", List.of("demux"));
        offer.put("nested", Map.of("n", -42L, "empty", List.of(), "d", Map.of()));
        Object decoded = Bencode.decode(Bencode.encode(offer));
        assertThat(decoded).isEqualTo(offer);
        assertThat(Bencode.encode(decoded)).isEqualTo(Bencode.encode(offer));
    }

    @Test
    void decodesRtpengineRepliesWithUnsortedKeys() {
        // RTPEngine writes "sdp" before "result": accepted, order kept.
        Map<String, Object> reply = Bencode.decodeDictionary(ascii("d3:sdp3:v=06:result2:oke"), 0, 24);
        assertThat(reply).containsExactly(Map.entry("sdp", "v=0"), Map.entry("result", "ok"));
        assertThat(Bencode.decode(ascii("i9223372036854775807e"))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void decodesOnlyTheGivenRange() {
        byte[] data = ascii("xyz d7:command4:pinge");
        assertThat(Bencode.decodeDictionary(data, 4, data.length - 4)).isEqualTo(Map.of("command", "ping"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                 // nothing
        "i12",              // unterminated integer
        "ie",               // no digits
        "i-0e",             // negative zero
        "i03e",             // leading zero
        "i1.5e",            // not an integer
        "i99999999999999999999e", // beyond a long
        "5:abc",            // string longer than the data
        "05:abcde",         // leading zero in a length
        "-1:a",             // negative length
        "l4:spam",          // unterminated list
        "d3:cow3:moo",      // unterminated dictionary
        "di1e3:mooe",       // non-string key
        "d1:a1:b1:a1:ce",   // duplicate key
        "d1:ae",            // key without value
        "4:spamX",          // trailing data
        "i1ei2e",           // two values
        "x",                // unknown type
    })
    void rejectsMalformedInputWithAClearError(String input) {
        assertThatThrownBy(() -> Bencode.decode(ascii(input)))
                .isInstanceOf(BencodeException.class)
                .hasMessageMatching(".+");
    }

    @Test
    void rejectsNonUtf8StringsAndExcessiveNesting() {
        assertThatThrownBy(() -> Bencode.decode(new byte[] {'1', ':', (byte) 0xff}))
                .isInstanceOf(BencodeException.class).hasMessageContaining("UTF-8");
        String deep = "l".repeat(Bencode.MAX_DEPTH + 2) + "e".repeat(Bencode.MAX_DEPTH + 2);
        assertThatThrownBy(() -> Bencode.decode(ascii(deep)))
                .isInstanceOf(BencodeException.class).hasMessageContaining("nested");
        String ok = "l".repeat(Bencode.MAX_DEPTH) + "e".repeat(Bencode.MAX_DEPTH);
        assertThat(Bencode.decode(ascii(ok))).isInstanceOf(List.class);
        // a huge declared length is caught before anything is allocated
        assertThatThrownBy(() -> Bencode.decode(ascii("2147483648:x")))
                .isInstanceOf(BencodeException.class).hasMessageContaining("past the end");
    }

    @Test
    void refusesToEncodeUnsupportedValues() {
        assertThatThrownBy(() -> Bencode.encode(1.5)).isInstanceOf(BencodeException.class);
        assertThatThrownBy(() -> Bencode.encode(Map.of(1, "x"))).isInstanceOf(BencodeException.class);
        Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> Bencode.encode(withNull)).isInstanceOf(BencodeException.class);
    }
}
