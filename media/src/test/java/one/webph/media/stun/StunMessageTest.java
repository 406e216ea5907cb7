package one.webph.media.stun;

import static one.webph.media.TestResources.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** RFC 5769 test vectors, decoded and re-encoded byte for byte. */
class StunMessageTest {
    static final byte[] PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.UTF_8);
    static final byte[] TRANSACTION = hex("b7e7a701bc34d686fa87dfae");

    static final byte[] SAMPLE_REQUEST = hex("""
            00010058 2112a442 b7e7a701 bc34d686 fa87dfae
            80220010 5354554e 20746573 7420636c 69656e74
            00240004 6e0001ff
            80290008 932ff9b1 51263b36
            00060009 6576746a 3a683676 59202020
            00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
            80280004 e57a3bcf""");

    static final byte[] SAMPLE_IPV4_RESPONSE = hex("""
            0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
            8022000b 74657374 20766563 746f7220
            00200008 0001a147 e112a643
            00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
            80280004 c07d4c96""");

    static final byte[] SAMPLE_IPV6_RESPONSE = hex("""
            01010048 2112a442 b7e7a701 bc34d686 fa87dfae
            8022000b 74657374 20766563 746f7220
            00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
            00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
            80280004 c8fb0b4c""");

    static final byte[] SAMPLE_LONG_TERM_REQUEST = hex("""
            00010060 2112a442 78ad3433 c6ad72c0 29da412e
            00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
            0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
            0014000b 6578616d 706c652e 6f726700
            00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666""");

    @Test
    void sampleRequestDecodesAndVerifies() throws Exception {
        StunMessage m = StunMessage.decode(SAMPLE_REQUEST);
        assertThat(m.type()).isEqualTo(StunMessage.BINDING_REQUEST);
        assertThat(m.transactionId()).isEqualTo(TRANSACTION);
        assertThat(m.username()).isEqualTo("evtj:h6vY");
        assertThat(new String(m.attribute(StunAttribute.SOFTWARE).value(), StandardCharsets.UTF_8))
                .isEqualTo("STUN test client");
        assertThat(m.attribute(StunAttribute.PRIORITY).value()).isEqualTo(hex("6e0001ff"));
        assertThat(m.attribute(StunAttribute.ICE_CONTROLLED).value()).isEqualTo(hex("932ff9b151263b36"));
        assertThat(m.integrityValid(PASSWORD)).isTrue();
        assertThat(m.integrityValid("wrong".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(m.fingerprintValid()).isTrue();
    }

    @Test
    void sampleRequestEncodesByteExactly() {
        byte[] encoded = StunMessage.builder(StunMessage.BINDING_REQUEST, TRANSACTION)
                .paddingByte((byte) 0x20)
                .add(StunAttribute.SOFTWARE, "STUN test client")
                .add(StunAttribute.PRIORITY, hex("6e0001ff"))
                .add(StunAttribute.ICE_CONTROLLED, hex("932ff9b151263b36"))
                .add(StunAttribute.USERNAME, "evtj:h6vY")
                .encode(PASSWORD, true);
        assertThat(encoded).isEqualTo(SAMPLE_REQUEST);
    }

    @Test
    void ipv4ResponseDecodesAndEncodesByteExactly() throws Exception {
        StunMessage m = StunMessage.decode(SAMPLE_IPV4_RESPONSE);
        assertThat(m.type()).isEqualTo(StunMessage.BINDING_SUCCESS);
        InetSocketAddress mapped = m.xorMappedAddress();
        assertThat(mapped).isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
        assertThat(m.integrityValid(PASSWORD)).isTrue();
        assertThat(m.fingerprintValid()).isTrue();

        byte[] encoded = StunMessage.builder(StunMessage.BINDING_SUCCESS, TRANSACTION)
                .paddingByte((byte) 0x20)
                .add(StunAttribute.SOFTWARE, "test vector")
                .addXorMappedAddress(mapped)
                .encode(PASSWORD, true);
        assertThat(encoded).isEqualTo(SAMPLE_IPV4_RESPONSE);
    }

    @Test
    void ipv6ResponseDecodesAndEncodesByteExactly() throws Exception {
        StunMessage m = StunMessage.decode(SAMPLE_IPV6_RESPONSE);
        InetSocketAddress mapped = m.xorMappedAddress();
        assertThat(mapped).isEqualTo(
                new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
        assertThat(m.integrityValid(PASSWORD)).isTrue();
        assertThat(m.fingerprintValid()).isTrue();

        byte[] encoded = StunMessage.builder(StunMessage.BINDING_SUCCESS, TRANSACTION)
                .paddingByte((byte) 0x20)
                .add(StunAttribute.SOFTWARE, "test vector")
                .addXorMappedAddress(mapped)
                .encode(PASSWORD, true);
        assertThat(encoded).isEqualTo(SAMPLE_IPV6_RESPONSE);
    }

    @Test
    void longTermCredentialSampleVerifies() throws Exception {
        StunMessage m = StunMessage.decode(SAMPLE_LONG_TERM_REQUEST);
        String username = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
        assertThat(m.username()).isEqualTo(username);
        assertThat(new String(m.attribute(StunAttribute.NONCE).value(), StandardCharsets.UTF_8))
                .isEqualTo("f//499k954d6OL34oL9FSTvy64sA");
        String realm = new String(m.attribute(StunAttribute.REALM).value(), StandardCharsets.UTF_8);
        assertThat(realm).isEqualTo("example.org");
        // "TheMatrIX" is the SASLprep'd password
        assertThat(m.integrityValid(StunMessage.longTermKey(username, realm, "TheMatrIX"))).isTrue();
        assertThat(m.integrityValid(StunMessage.longTermKey(username, realm, "TheMatrix"))).isFalse();
        assertThat(m.fingerprintValid()).isFalse(); // this sample carries no FINGERPRINT

        byte[] encoded = StunMessage.builder(StunMessage.BINDING_REQUEST, m.transactionId())
                .add(StunAttribute.USERNAME, username)
                .add(StunAttribute.NONCE, "f//499k954d6OL34oL9FSTvy64sA")
                .add(StunAttribute.REALM, realm)
                .encode(StunMessage.longTermKey(username, realm, "TheMatrIX"), false);
        assertThat(encoded).isEqualTo(SAMPLE_LONG_TERM_REQUEST);
    }

    @Test
    void corruptedMessagesAreDetected() throws Exception {
        byte[] tampered = SAMPLE_REQUEST.clone();
        tampered[30] ^= 1; // inside SOFTWARE
        StunMessage m = StunMessage.decode(tampered);
        assertThat(m.integrityValid(PASSWORD)).isFalse();
        assertThat(m.fingerprintValid()).isFalse();
    }

    @Test
    void malformedInputIsRejected() {
        assertThatThrownBy(() -> StunMessage.decode(new byte[10])).isInstanceOf(StunException.class);
        byte[] badCookie = SAMPLE_REQUEST.clone();
        badCookie[4] = 0;
        assertThatThrownBy(() -> StunMessage.decode(badCookie)).isInstanceOf(StunException.class)
                .hasMessageContaining("cookie");
        byte[] truncated = Arrays.copyOf(SAMPLE_REQUEST, SAMPLE_REQUEST.length - 4);
        assertThatThrownBy(() -> StunMessage.decode(truncated)).isInstanceOf(StunException.class);
        byte[] overrun = SAMPLE_REQUEST.clone();
        overrun[22] = 0x7f; // SOFTWARE length far beyond the message
        assertThatThrownBy(() -> StunMessage.decode(overrun)).isInstanceOf(StunException.class)
                .hasMessageContaining("overruns");
        assertThat(StunMessage.looksLikeStun(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length)).isTrue();
        assertThat(StunMessage.looksLikeStun(new byte[] {(byte) 0x80, 0, 0, 0}, 0, 4)).isFalse();
    }
}
