package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PushMessageAndSubscriptionTest {
    private static final String P256DH = Base64.getUrlEncoder().withoutPadding()
            .encodeToString(P256.encodePublicKey((ECPublicKey) P256.generateKeyPair().getPublic()));
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

    @Test
    void messageDefaultsAndCopies() {
        PushMessage message = PushMessage.of("{\"a\":1}");
        assertThat(message.ttlSeconds()).isEqualTo(PushMessage.DEFAULT_TTL_SECONDS);
        assertThat(message.urgency()).isEqualTo(Urgency.NORMAL);
        assertThat(message.topic()).isNull();

        PushMessage call = message.withTtlSeconds(30).withUrgency(Urgency.HIGH).withTopic("call-99910012345");
        assertThat(call.ttlSeconds()).isEqualTo(30);
        assertThat(call.urgency().headerValue()).isEqualTo("high");
        assertThat(call.topic()).isEqualTo("call-99910012345");
        assertThat(call.payload()).isEqualTo(message.payload());
        assertThat(Urgency.VERY_LOW.headerValue()).isEqualTo("very-low");

        byte[] payload = call.payload();
        payload[0] = 'X';
        assertThat(call.payload()[0]).as("payload is defensively copied").isEqualTo((byte) '{');
        assertThat(call).isEqualTo(message.withTtlSeconds(30).withUrgency(Urgency.HIGH).withTopic("call-99910012345"));
    }

    @Test
    void messageRejectsBadOptions() {
        PushMessage message = PushMessage.of("x");
        assertThatThrownBy(() -> message.withTopic("has space")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Topic");
        assertThatThrownBy(() -> message.withTopic("a".repeat(33))).isInstanceOf(IllegalArgumentException.class);
        assertThat(message.withTopic("a".repeat(32)).topic()).hasSize(32);
        assertThatThrownBy(() -> message.withTtlSeconds(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PushMessage.of(new byte[WebPushEncryption.MAX_PLAINTEXT_LENGTH + 1]))
                .isInstanceOf(PayloadTooLargeException.class);
    }

    @Test
    void subscriptionValidatesAndNormalisesKeys() {
        String standardAlphabetPadded = Base64.getEncoder().encodeToString(Base64.getUrlDecoder().decode(P256DH));
        Subscription subscription = new Subscription("https://fcm.googleapis.com/fcm/send/abc", standardAlphabetPadded, AUTH + "==");
        assertThat(subscription.p256dh()).isEqualTo(P256DH);
        assertThat(subscription.auth()).isEqualTo(AUTH);
        assertThat(subscription.p256dhBytes()).hasSize(65);
        assertThat(subscription.authBytes()).hasSize(16);
        assertThat(subscription.origin()).isEqualTo("https://fcm.googleapis.com");
        assertThat(subscription.toString()).doesNotContain("abc");
    }

    @Test
    void subscriptionRejectsBadInput() {
        assertThatThrownBy(() -> new Subscription("http://push.example/x", P256DH, AUTH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> new Subscription("not a url", P256DH, AUTH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Subscription(null, P256DH, AUTH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Subscription("https://push.example/x", "AAAA", AUTH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65-byte");
        assertThatThrownBy(() -> new Subscription("https://push.example/x", P256DH, "AAAA"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> new Subscription("https://push.example/x", P256DH, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auth is missing");
    }
}
