package one.webph.webpush;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * VAPID (RFC 8292): identifies this application server to push services with an ES256-signed JWT whose
 * {@code aud} is the push endpoint's origin. Tokens are cached per audience and re-signed when close to expiry.
 * Thread-safe.
 */
public final class Vapid {
    /** Token lifetime: RFC 8292 section 2 forbids more than 24 h; 12 h leaves room for clock skew at the service. */
    public static final Duration TOKEN_LIFETIME = Duration.ofHours(12);
    /** A cached token is replaced once less than this is left, so no request carries a nearly expired token. */
    static final Duration REFRESH_MARGIN = Duration.ofHours(1);
    /** Bounds the cache: real deployments see a handful of push services, not thousands of origins. */
    private static final int MAX_CACHED_AUDIENCES = 256;
    private static final String HEADER_B64 =
            Base64Url.encode("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.US_ASCII));

    private final VapidKeys keys;
    private final String subject;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String jwt, Instant expiresAt) {
    }

    public Vapid(VapidKeys keys, String subject) {
        this(keys, subject, Clock.systemUTC());
    }

    /**
     * @param subject contact for the push service operator: a {@code mailto:} or {@code https:} URI
     * @param clock   time source for {@code exp} (tests pass a fixed clock)
     */
    public Vapid(VapidKeys keys, String subject, Clock clock) {
        if (keys == null || clock == null) {
            throw new IllegalArgumentException("VAPID keys and clock are required");
        }
        this.keys = keys;
        this.subject = validateSubject(subject);
        this.clock = clock;
    }

    public VapidKeys keys() {
        return keys;
    }

    public String subject() {
        return subject;
    }

    /** The {@code Authorization} header value for a request to {@code endpoint}: {@code vapid t=<jwt>, k=<key>}. */
    public String authorizationHeader(URI endpoint) {
        return "vapid t=" + token(audienceOf(endpoint)) + ", k=" + keys.publicKeyBase64Url();
    }

    /** A signed JWT for {@code audience} (an origin), from the cache while it has more than an hour left. */
    public String token(String audience) {
        Instant now = clock.instant();
        Token cached = tokens.get(audience);
        if (cached != null && now.isBefore(cached.expiresAt().minus(REFRESH_MARGIN))) {
            return cached.jwt();
        }
        if (tokens.size() >= MAX_CACHED_AUDIENCES) {
            tokens.clear();
        }
        Instant expiresAt = now.plus(TOKEN_LIFETIME);
        Token fresh = new Token(sign(audience, expiresAt.getEpochSecond()), expiresAt);
        tokens.put(audience, fresh);
        return fresh.jwt();
    }

    /** The JWT audience for a push endpoint: its origin, {@code scheme://host[:port]} with default ports omitted. */
    public static String audienceOf(URI endpoint) {
        if (endpoint == null || endpoint.getScheme() == null || endpoint.getHost() == null) {
            throw new IllegalArgumentException("push endpoint must be an absolute URL with a host: " + endpoint);
        }
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        int port = endpoint.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    private String sign(String audience, long expiresAtEpochSecond) {
        String claims = "{\"aud\":" + jsonString(audience) + ",\"exp\":" + expiresAtEpochSecond
                + ",\"sub\":" + jsonString(subject) + "}";
        String signingInput = HEADER_B64 + "." + Base64Url.encode(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.privateKey());
            signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64Url.encode(EcdsaJose.derToJose(signer.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ES256 signing failed", e);
        }
    }

    private static String validateSubject(String subject) {
        if (subject == null) {
            throw new IllegalArgumentException("VAPID subject is required (mailto: or https: URI)");
        }
        String trimmed = subject.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        boolean mailto = lower.startsWith("mailto:") && trimmed.length() > "mailto:".length() && trimmed.contains("@");
        boolean https = lower.startsWith("https://") && trimmed.length() > "https://".length();
        if (!mailto && !https) {
            throw new IllegalArgumentException("VAPID subject must be a mailto: or https: URI, got '" + subject + "'");
        }
        return trimmed;
    }

    private static String jsonString(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
