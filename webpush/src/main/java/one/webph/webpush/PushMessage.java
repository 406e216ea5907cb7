package one.webph.webpush;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One push message: the plaintext payload (encrypted per subscription when sent) and the RFC 8030 delivery
 * options. Immutable; the {@code with*} methods return copies.
 *
 * @param payload    plaintext, at most {@link WebPushEncryption#MAX_PLAINTEXT_LENGTH} bytes
 * @param ttlSeconds how long the push service may hold the message for an offline device (0 = deliver now or drop)
 * @param urgency    delivery urgency
 * @param topic      replaces an earlier undelivered message with the same topic; {@code null} for none
 */
public record PushMessage(byte[] payload, long ttlSeconds, Urgency urgency, String topic) {
    /** Default TTL: four weeks, the usual push-service maximum. */
    public static final long DEFAULT_TTL_SECONDS = 28L * 24 * 3600;
    /** RFC 8030 section 5.4: at most 32 characters from the base64url alphabet. */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    public PushMessage {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(urgency, "urgency");
        if (payload.length > WebPushEncryption.MAX_PLAINTEXT_LENGTH) {
            throw new PayloadTooLargeException(payload.length, WebPushEncryption.MAX_PLAINTEXT_LENGTH);
        }
        if (ttlSeconds < 0) {
            throw new IllegalArgumentException("TTL must not be negative: " + ttlSeconds);
        }
        if (topic != null && !TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("Topic must be 1-32 base64url characters [A-Za-z0-9_-], got '" + topic + "'");
        }
        payload = payload.clone();
    }

    public static PushMessage of(byte[] payload) {
        return new PushMessage(payload, DEFAULT_TTL_SECONDS, Urgency.NORMAL, null);
    }

    /** A UTF-8 text (typically JSON) payload. */
    public static PushMessage of(String payload) {
        return of(payload.getBytes(StandardCharsets.UTF_8));
    }

    public PushMessage withTtlSeconds(long ttl) {
        return new PushMessage(payload, ttl, urgency, topic);
    }

    public PushMessage withUrgency(Urgency newUrgency) {
        return new PushMessage(payload, ttlSeconds, newUrgency, topic);
    }

    public PushMessage withTopic(String newTopic) {
        return new PushMessage(payload, ttlSeconds, urgency, newTopic);
    }

    /** A copy of the payload (records expose their fields; the array must not be shared). */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PushMessage m && Arrays.equals(payload, m.payload) && ttlSeconds == m.ttlSeconds
                && urgency == m.urgency && Objects.equals(topic, m.topic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(payload), ttlSeconds, urgency, topic);
    }

    @Override
    public String toString() {
        return "PushMessage[" + payload.length + " bytes, ttl=" + ttlSeconds + "s, urgency=" + urgency.headerValue()
                + (topic == null ? "" : ", topic=" + topic) + "]";
    }
}
