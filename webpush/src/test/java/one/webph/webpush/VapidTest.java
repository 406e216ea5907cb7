package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VapidTest {
    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");

    /** A clock the test can move. */
    private static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(NOW);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        void advance(Duration duration) {
            now.updateAndGet(i -> i.plus(duration));
        }
    }

    @Test
    void jwtIsSignedWithTheVapidKeyAndCarriesAudExpSub() throws Exception {
        VapidKeys keys = VapidKeys.generate();
        Vapid vapid = new Vapid(keys, "mailto:admin@webph.one", Clock.fixed(NOW, ZoneOffset.UTC));

        String header = vapid.authorizationHeader(URI.create("https://fcm.googleapis.com/fcm/send/abc:def"));
        assertThat(header).startsWith("vapid t=").endsWith(", k=" + keys.publicKeyBase64Url());
        String jwt = header.substring("vapid t=".length(), header.indexOf(','));
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);

        Base64.Decoder decoder = Base64.getUrlDecoder();
        JsonObject jose = new JsonObject(new String(decoder.decode(parts[0]), StandardCharsets.UTF_8));
        assertThat(jose.getString("alg")).isEqualTo("ES256");
        assertThat(jose.getString("typ")).isEqualTo("JWT");

        JsonObject claims = new JsonObject(new String(decoder.decode(parts[1]), StandardCharsets.UTF_8));
        assertThat(claims.getString("aud")).isEqualTo("https://fcm.googleapis.com");
        assertThat(claims.getLong("exp")).isEqualTo(NOW.plus(Duration.ofHours(12)).getEpochSecond());
        assertThat(claims.getString("sub")).isEqualTo("mailto:admin@webph.one");

        byte[] jwsSignature = decoder.decode(parts[2]);
        assertThat(jwsSignature).hasSize(64);
        byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        // Verified with the k= key from the header, after converting the JOSE signature back to DER.
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(P256.decodePublicKey(decoder.decode(keys.publicKeyBase64Url())));
        verifier.update(signingInput);
        assertThat(verifier.verify(EcdsaJose.joseToDer(jwsSignature))).isTrue();
        // And independently of our converter, with the JDK's raw r||s form.
        Signature p1363 = Signature.getInstance("SHA256withECDSAinP1363Format");
        p1363.initVerify(keys.publicKey());
        p1363.update(signingInput);
        assertThat(p1363.verify(jwsSignature)).isTrue();
        // A different key must not verify it.
        Signature wrong = Signature.getInstance("SHA256withECDSAinP1363Format");
        wrong.initVerify(VapidKeys.generate().publicKey());
        wrong.update(signingInput);
        assertThat(wrong.verify(jwsSignature)).isFalse();
    }

    @Test
    void audienceIsTheEndpointOrigin() {
        assertThat(Vapid.audienceOf(URI.create("https://updates.push.services.mozilla.com/wpush/v2/gAAA?x=1")))
                .isEqualTo("https://updates.push.services.mozilla.com");
        assertThat(Vapid.audienceOf(URI.create("https://Push.Example.COM:443/x"))).isEqualTo("https://push.example.com");
        assertThat(Vapid.audienceOf(URI.create("https://127.0.0.1:8443/push/1"))).isEqualTo("https://127.0.0.1:8443");
        assertThat(Vapid.audienceOf(URI.create("https://[::1]:9000/p"))).isEqualTo("https://[::1]:9000");
        assertThatThrownBy(() -> Vapid.audienceOf(URI.create("/relative"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tokensAreCachedPerAudienceAndRenewedNearExpiry() {
        MutableClock clock = new MutableClock();
        Vapid vapid = new Vapid(VapidKeys.generate(), "https://webph.one/contact", clock);

        String first = vapid.token("https://a.example");
        assertThat(vapid.token("https://a.example")).isSameAs(first);
        String other = vapid.token("https://b.example");
        assertThat(other).isNotEqualTo(first);

        clock.advance(Duration.ofHours(10));
        assertThat(vapid.token("https://a.example")).as("10 h old, 2 h left: still cached").isSameAs(first);

        clock.advance(Duration.ofMinutes(61));
        String renewed = vapid.token("https://a.example");
        assertThat(renewed).as("under 1 h left: renewed").isNotEqualTo(first);
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(renewed.split("\\.")[1]), StandardCharsets.UTF_8));
        assertThat(claims.getLong("exp")).isEqualTo(clock.instant().plus(Duration.ofHours(12)).getEpochSecond());
    }

    @Test
    void subjectMustBeMailtoOrHttps() {
        VapidKeys keys = VapidKeys.generate();
        assertThatThrownBy(() -> new Vapid(keys, "admin@webph.one")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mailto: or https:");
        assertThatThrownBy(() -> new Vapid(keys, "http://webph.one")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Vapid(keys, "mailto:")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Vapid(keys, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Vapid(keys, " mailto:ops@example.org ").subject()).isEqualTo("mailto:ops@example.org");
    }

    @Test
    void subjectWithQuotesIsEscapedInTheJwtJson() {
        Vapid vapid = new Vapid(VapidKeys.generate(), "mailto:\"odd\"\\name@example.org");
        String token = vapid.token("https://a.example");
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
        assertThat(claims.getString("sub")).isEqualTo("mailto:\"odd\"\\name@example.org");
    }
}
