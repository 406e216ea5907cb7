package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class WebPushEncryptionTest {
    // RFC 8291 section 5 and appendix A.
    private static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    private static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    private static final String AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    private static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    private static final String ECDH_SECRET = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
    private static final String IKM = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg";
    private static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmY"
            + "WAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexS"
            + "gSxsj_Qulcy4a-fN";

    // RFC 8188 section 3.1 (single record, no key id) and 3.2 (two records, rs 25, key id "a1").
    private static final String RFC8188_IKM_1 = "yqdlZ-tYemfogSmv7Ws5PQ";
    private static final String RFC8188_BODY_1 = "I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg";
    private static final String RFC8188_IKM_2 = "BO3ZVPxUlnLORbVGMpbT1Q";
    private static final String RFC8188_BODY_2 =
            "uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWIqS_uA";

    /** Decoded with the JDK decoder, not Base64Url, so a bug there cannot make the vectors agree with themselves. */
    private static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    private static KeyPair senderKeys() {
        return new KeyPair(P256.decodePublicKey(b64(AS_PUBLIC)), P256.decodePrivateKey(b64(AS_PRIVATE)));
    }

    @Test
    void rfc8291ExampleIsReproducedByteForByte() {
        byte[] body = WebPushEncryption.encrypt(PLAINTEXT.getBytes(StandardCharsets.US_ASCII), b64(UA_PUBLIC), b64(AUTH),
                senderKeys(), b64(SALT));

        assertThat(body).isEqualTo(b64(BODY));
        assertThat(body).hasSize(WebPushEncryption.HEADER_LENGTH + PLAINTEXT.length() + 1 + 16);
    }

    @Test
    void rfc8291IntermediateEcdhSecretAndIkmMatch() {
        byte[] ecdh = P256.ecdh(P256.decodePrivateKey(b64(AS_PRIVATE)), P256.decodePublicKey(b64(UA_PUBLIC)));
        assertThat(ecdh).isEqualTo(b64(ECDH_SECRET));
        // The user agent derives the same secret from its side.
        assertThat(P256.ecdh(P256.decodePrivateKey(b64(UA_PRIVATE)), P256.decodePublicKey(b64(AS_PUBLIC)))).isEqualTo(ecdh);
        assertThat(WebPushEncryption.webPushIkm(ecdh, b64(AUTH), b64(UA_PUBLIC), b64(AS_PUBLIC))).isEqualTo(b64(IKM));
    }

    @Test
    void rfc8291ExampleDecryptsWithTheUserAgentKeys() {
        byte[] plaintext = WebPushEncryption.decrypt(b64(BODY), P256.decodePrivateKey(b64(UA_PRIVATE)), b64(UA_PUBLIC), b64(AUTH));
        assertThat(new String(plaintext, StandardCharsets.US_ASCII)).isEqualTo(PLAINTEXT);
    }

    @Test
    void rfc8188SingleRecordExampleIsReproduced() {
        byte[] body = WebPushEncryption.encodeSingleRecord(b64(RFC8188_IKM_1), Arrays.copyOf(b64(RFC8188_BODY_1), 16),
                new byte[0], 4096, "I am the walrus".getBytes(StandardCharsets.US_ASCII));
        assertThat(body).isEqualTo(b64(RFC8188_BODY_1));
        assertThat(WebPushEncryption.decode(body, keyId -> b64(RFC8188_IKM_1))).asString(StandardCharsets.US_ASCII)
                .isEqualTo("I am the walrus");
    }

    @Test
    void rfc8188MultiRecordExampleDecodes() {
        byte[][] seenKeyId = new byte[1][];
        byte[] plaintext = WebPushEncryption.decode(b64(RFC8188_BODY_2), keyId -> {
            seenKeyId[0] = keyId;
            return b64(RFC8188_IKM_2);
        });
        assertThat(new String(seenKeyId[0], StandardCharsets.US_ASCII)).isEqualTo("a1");
        assertThat(new String(plaintext, StandardCharsets.US_ASCII)).isEqualTo("I am the walrus");
    }

    @Test
    void roundTripWithFreshKeysAndSaltEachTime() {
        KeyPair ua = P256.generateKeyPair();
        byte[] uaPublic = P256.encodePublicKey((ECPublicKey) ua.getPublic());
        byte[] auth = new byte[16];
        new java.security.SecureRandom().nextBytes(auth);
        byte[] message = "{\"action\":\"call-incoming\",\"from\":\"99910012345\"}".getBytes(StandardCharsets.UTF_8);

        byte[] first = WebPushEncryption.encrypt(message, uaPublic, auth);
        byte[] second = WebPushEncryption.encrypt(message, uaPublic, auth);

        assertThat(WebPushEncryption.decrypt(first, (ECPrivateKey) ua.getPrivate(), uaPublic, auth)).isEqualTo(message);
        assertThat(WebPushEncryption.decrypt(second, (ECPrivateKey) ua.getPrivate(), uaPublic, auth)).isEqualTo(message);
        assertThat(Arrays.copyOf(first, 16)).as("salt").isNotEqualTo(Arrays.copyOf(second, 16));
        assertThat(Arrays.copyOfRange(first, 21, 86)).as("ephemeral key").isNotEqualTo(Arrays.copyOfRange(second, 21, 86));
        // Header: record size 4096 and a 65-byte key id.
        assertThat(Arrays.copyOfRange(first, 16, 21)).containsExactly(0, 0, 0x10, 0, 65);
    }

    @Test
    void emptyPayloadRoundTrips() {
        KeyPair ua = P256.generateKeyPair();
        byte[] uaPublic = P256.encodePublicKey((ECPublicKey) ua.getPublic());
        byte[] auth = new byte[16];
        byte[] body = WebPushEncryption.encrypt(new byte[0], uaPublic, auth);
        assertThat(WebPushEncryption.decrypt(body, (ECPrivateKey) ua.getPrivate(), uaPublic, auth)).isEmpty();
    }

    @Test
    void largestPayloadFillsExactly4096BytesAndOneMoreIsRejected() {
        KeyPair ua = P256.generateKeyPair();
        byte[] uaPublic = P256.encodePublicKey((ECPublicKey) ua.getPublic());
        byte[] auth = new byte[16];
        byte[] largest = new byte[WebPushEncryption.MAX_PLAINTEXT_LENGTH];
        Arrays.fill(largest, (byte) 'x');

        byte[] body = WebPushEncryption.encrypt(largest, uaPublic, auth);
        assertThat(body).hasSize(4096);
        assertThat(WebPushEncryption.decrypt(body, (ECPrivateKey) ua.getPrivate(), uaPublic, auth)).isEqualTo(largest);

        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[WebPushEncryption.MAX_PLAINTEXT_LENGTH + 1], uaPublic, auth))
                .isInstanceOf(PayloadTooLargeException.class)
                .hasMessageContaining("3994 bytes").hasMessageContaining("3993");
    }

    @Test
    void tamperedBodyOrWrongAuthSecretDoesNotDecrypt() {
        byte[] body = b64(BODY);
        ECPrivateKey uaPrivate = P256.decodePrivateKey(b64(UA_PRIVATE));
        byte[] tampered = body.clone();
        tampered[100] ^= 1;
        assertThatThrownBy(() -> WebPushEncryption.decrypt(tampered, uaPrivate, b64(UA_PUBLIC), b64(AUTH)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authenticate");
        byte[] wrongAuth = b64(AUTH);
        wrongAuth[0] ^= 1;
        assertThatThrownBy(() -> WebPushEncryption.decrypt(body, uaPrivate, b64(UA_PUBLIC), wrongAuth))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebPushEncryption.decrypt(Arrays.copyOf(body, 30), uaPrivate, b64(UA_PUBLIC), b64(AUTH)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badSubscriberKeysAreRejectedClearly() {
        byte[] auth = b64(AUTH);
        byte[] offCurve = b64(UA_PUBLIC);
        offCurve[40] ^= 0x01;
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[1], offCurve, auth))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a point on the curve");
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[1], Arrays.copyOf(b64(UA_PUBLIC), 64), auth))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65-byte");
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[1], b64(UA_PUBLIC), new byte[8]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth secret must be 16 bytes");
    }
}
