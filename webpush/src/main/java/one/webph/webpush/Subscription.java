package one.webph.webpush;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A browser's push subscription as posted by the app ({@code PushSubscription.toJSON()}): the push service
 * endpoint URL and the {@code p256dh} / {@code auth} keys in base64url. Validated on construction, so a stored
 * subscription can always be encrypted for.
 */
public record Subscription(String endpoint, String p256dh, String auth) {

    public Subscription {
        endpoint = validateEndpoint(endpoint);
        byte[] key = Base64Url.decode(p256dh, "p256dh");
        P256.decodePublicKey(key);
        byte[] secret = Base64Url.decode(auth, "auth");
        if (secret.length != WebPushEncryption.AUTH_SECRET_LENGTH) {
            throw new IllegalArgumentException("auth must decode to 16 bytes, got " + secret.length);
        }
        // Store the canonical unpadded base64url form so equal subscriptions compare equal.
        p256dh = Base64Url.encode(key);
        auth = Base64Url.encode(secret);
    }

    public URI endpointUri() {
        return URI.create(endpoint);
    }

    /** The subscriber's 65-byte P-256 public key. */
    public byte[] p256dhBytes() {
        return Base64Url.decode(p256dh, "p256dh");
    }

    /** The subscriber's 16-byte authentication secret. */
    public byte[] authBytes() {
        return Base64Url.decode(auth, "auth");
    }

    /** The endpoint's origin, safe to log (the full endpoint URL is a bearer capability for pushing to the user). */
    public String origin() {
        return Vapid.audienceOf(endpointUri());
    }

    @Override
    public String toString() {
        return "Subscription[" + origin() + "/…]";
    }

    private static String validateEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("push endpoint is required");
        }
        URI uri;
        try {
            uri = new URI(endpoint.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("push endpoint is not a valid URL: " + e.getMessage(), e);
        }
        // RFC 8030 requires HTTPS; a plain-http endpoint would expose the VAPID token and message metadata.
        if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("push endpoint must be an https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("push endpoint must not contain user info or a fragment");
        }
        return uri.toString();
    }
}
