package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpVersion;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebPushSenderTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final VapidKeys keys = VapidKeys.generate();
    private final Vapid vapid = new Vapid(keys, "mailto:ops@webph.one");
    private PushServiceStandIn pushService;
    private WebPushSender sender;

    @BeforeEach
    void start() throws Exception {
        pushService = PushServiceStandIn.start(keys.publicKeyBase64Url(), true);
        sender = newSender(WebPushSender.Options.defaults().withMaxAttempts(3).withInitialBackoff(Duration.ofMillis(20)));
    }

    @AfterEach
    void stop() throws Exception {
        sender.close();
        pushService.close();
    }

    private WebPushSender newSender(WebPushSender.Options options) {
        return new WebPushSender(vapid, pushService.clientSslContext(), options);
    }

    private static PushResult await(CompletableFuture<PushResult> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void deliversAnEncryptedPushOverHttp2WithAllHeaders() throws Exception {
        PushServiceStandIn.Subscriber browser = pushService.subscribe();
        String json = "{\"notification\":{\"title\":\"Webph.one\",\"data\":{\"action\":\"call-incoming\",\"from\":\"99910012345\"}}}";

        PushResult result = await(sender.send(browser.subscription(),
                PushMessage.of(json).withTtlSeconds(60).withUrgency(Urgency.HIGH).withTopic("call-99910012345")));

        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.DELIVERED);
        assertThat(result.statusCode()).isEqualTo(201);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(result.delivered()).isTrue();
        PushServiceStandIn.ReceivedPush push = pushService.awaitPush(WAIT);
        assertThat(push).isNotNull();
        assertThat(push.subscriberId()).isEqualTo(browser.id());
        assertThat(push.payloadText()).isEqualTo(json);
        assertThat(push.httpVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(push.ttl()).isEqualTo("60");
        assertThat(push.urgency()).isEqualTo("high");
        assertThat(push.topic()).isEqualTo("call-99910012345");
        assertThat(push.contentEncoding()).isEqualTo("aes128gcm");
        assertThat(push.contentType()).isEqualTo("application/octet-stream");
        assertThat(push.vapidPublicKey()).isEqualTo(keys.publicKeyBase64Url());
        assertThat(push.jwtClaims().getString("aud")).isEqualTo(pushService.origin());
        assertThat(push.jwtClaims().getString("sub")).isEqualTo("mailto:ops@webph.one");
        assertThat(pushService.errors()).isEmpty();
    }

    @Test
    void fallsBackToHttp11WhenTheServiceDoesNotOfferH2() throws Exception {
        try (PushServiceStandIn http1Only = PushServiceStandIn.start(keys.publicKeyBase64Url(), false);
             WebPushSender http1Sender = new WebPushSender(vapid, http1Only.clientSslContext())) {
            PushResult result = await(http1Sender.send(http1Only.subscribe().subscription(), PushMessage.of("hello")));
            assertThat(result.outcome()).isEqualTo(PushResult.Outcome.DELIVERED);
            PushServiceStandIn.ReceivedPush push = http1Only.awaitPush(WAIT);
            assertThat(push.httpVersion()).isEqualTo(HttpVersion.HTTP_1_1);
            assertThat(push.payloadText()).isEqualTo("hello");
            assertThat(push.urgency()).isEqualTo("normal");
            assertThat(push.topic()).isNull();
            assertThat(push.ttl()).isEqualTo(Long.toString(PushMessage.DEFAULT_TTL_SECONDS));
            assertThat(http1Only.errors()).isEmpty();
        }
    }

    @Test
    void unsubscribedEndpointIsReportedGoneWithoutRetry() throws Exception {
        PushServiceStandIn.Subscriber browser = pushService.subscribe();
        pushService.unsubscribe(browser);

        PushResult result = await(sender.send(browser.subscription(), PushMessage.of("x")));

        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.GONE);
        assertThat(result.subscriptionGone()).isTrue();
        assertThat(result.statusCode()).isEqualTo(410);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(pushService.requestCount()).isEqualTo(1);
    }

    @Test
    void notFoundIsAlsoGone() throws Exception {
        pushService.enqueueResponse(404, null);
        PushResult result = await(sender.send(pushService.subscribe().subscription(), PushMessage.of("x")));
        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.GONE);
        assertThat(result.statusCode()).isEqualTo(404);
    }

    @Test
    void rateLimitedPushIsRetriedAfterRetryAfterAndDelivered() throws Exception {
        PushServiceStandIn.Subscriber browser = pushService.subscribe();
        pushService.enqueueResponse(429, "1");
        long started = System.nanoTime();

        PushResult result = await(sender.send(browser.subscription(), PushMessage.of("after the limit")));

        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.DELIVERED);
        assertThat(result.statusCode()).isEqualTo(201);
        assertThat(result.attempts()).isEqualTo(2);
        // The sender's own backoff is 20 ms, so a wait of about a second can only come from Retry-After.
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(950);
        assertThat(pushService.awaitPush(WAIT).payloadText()).isEqualTo("after the limit");
        assertThat(pushService.pendingPushes()).isZero();
        assertThat(pushService.requestCount()).isEqualTo(2);
    }

    @Test
    void serverErrorsAreRetriedUpToMaxAttemptsThenFail() throws Exception {
        for (int i = 0; i < 3; i++) {
            pushService.enqueueResponse(500, null);
        }
        PushResult result = await(sender.send(pushService.subscribe().subscription(), PushMessage.of("x")));

        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
        assertThat(result.statusCode()).isEqualTo(500);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.detail()).contains("gave up after 3 attempts");
        assertThat(pushService.requestCount()).isEqualTo(3);
        assertThat(pushService.pendingPushes()).isZero();
    }

    @Test
    void transientServerErrorThenSuccessIsDelivered() throws Exception {
        pushService.enqueueResponse(503, null);
        pushService.enqueueResponse(502, null);
        PushResult result = await(sender.send(pushService.subscribe().subscription(), PushMessage.of("third time")));
        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.DELIVERED);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(pushService.awaitPush(WAIT).payloadText()).isEqualTo("third time");
    }

    @Test
    void tooLargeAndClientErrorsAreNotRetried() throws Exception {
        PushServiceStandIn.Subscriber browser = pushService.subscribe();
        pushService.enqueueResponse(413, null);
        PushResult tooLarge = await(sender.send(browser.subscription(), PushMessage.of("x")));
        assertThat(tooLarge.outcome()).isEqualTo(PushResult.Outcome.TOO_LARGE);
        assertThat(tooLarge.attempts()).isEqualTo(1);

        pushService.enqueueResponse(400, null);
        PushResult badRequest = await(sender.send(browser.subscription(), PushMessage.of("x")));
        assertThat(badRequest.outcome()).isEqualTo(PushResult.Outcome.FAILED);
        assertThat(badRequest.statusCode()).isEqualTo(400);
        assertThat(badRequest.attempts()).isEqualTo(1);
        assertThat(badRequest.detail()).contains("scripted 400");
        assertThat(pushService.requestCount()).isEqualTo(2);
    }

    @Test
    void retryAfterBeyondTheLimitEndsRetries() throws Exception {
        pushService.enqueueResponse(429, "3600");
        PushResult result = await(sender.send(pushService.subscribe().subscription(), PushMessage.of("x")));
        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
        assertThat(result.statusCode()).isEqualTo(429);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(result.detail()).contains("Retry-After 3600 s");
    }

    @Test
    void pushSignedWithAnotherVapidKeyIsRefusedByTheService() throws Exception {
        Vapid otherServer = new Vapid(VapidKeys.generate(), "mailto:other@example.org");
        try (WebPushSender wrongKeySender = new WebPushSender(otherServer, pushService.clientSslContext())) {
            PushResult result = await(wrongKeySender.send(pushService.subscribe().subscription(), PushMessage.of("x")));
            assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
            assertThat(result.statusCode()).isEqualTo(403);
        }
        assertThat(pushService.errors()).singleElement().asString().contains("is not the key the subscription was made with");
    }

    @Test
    void unreachableServiceFailsAfterRetriesWithoutStatus() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        PushServiceStandIn.Subscriber browser = pushService.subscribe();
        Subscription nowhere = new Subscription("https://127.0.0.1:" + closedPort + "/push/x",
                browser.subscription().p256dh(), browser.subscription().auth());

        PushResult result = await(sender.send(nowhere, PushMessage.of("x")));

        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
        assertThat(result.statusCode()).isZero();
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.detail()).contains("network error");
    }

    @Test
    void untrustedCertificateFails() throws Exception {
        // The JDK default trust store does not know the stand-in's self-signed certificate.
        try (WebPushSender defaultTrust = new WebPushSender(vapid, null,
                WebPushSender.Options.defaults().withMaxAttempts(1))) {
            PushResult result = await(defaultTrust.send(pushService.subscribe().subscription(), PushMessage.of("x")));
            assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
            assertThat(result.statusCode()).isZero();
        }
        assertThat(pushService.pendingPushes()).isZero();
    }

    @Test
    void manyConcurrentPushesAreAllDelivered() throws Exception {
        List<PushServiceStandIn.Subscriber> browsers = new ArrayList<>();
        List<CompletableFuture<PushResult>> results = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            PushServiceStandIn.Subscriber browser = pushService.subscribe();
            browsers.add(browser);
            results.add(sender.send(browser.subscription(), PushMessage.of("message " + i)));
        }
        for (CompletableFuture<PushResult> result : results) {
            assertThat(await(result).outcome()).isEqualTo(PushResult.Outcome.DELIVERED);
        }
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < browsers.size(); i++) {
            payloads.add(pushService.awaitPush(WAIT).payloadText());
        }
        assertThat(payloads).hasSize(25).doesNotHaveDuplicates().allMatch(p -> p.startsWith("message "));
        assertThat(pushService.errors()).isEmpty();
    }

    @Test
    void closingTheSenderEndsPendingRetries() throws Exception {
        WebPushSender patient = newSender(WebPushSender.Options.defaults().withMaxRetryDelay(Duration.ofMinutes(5)));
        pushService.enqueueResponse(429, "120");
        CompletableFuture<PushResult> pending = patient.send(pushService.subscribe().subscription(), PushMessage.of("x"));
        // Wait (bounded) until the first attempt has been answered and the retry is scheduled.
        for (int i = 0; i < 200 && pushService.requestCount() < 1; i++) {
            Thread.sleep(25);
        }
        Thread.sleep(100);
        assertThat(pending).isNotDone();

        patient.close();

        PushResult result = await(pending);
        assertThat(result.outcome()).isEqualTo(PushResult.Outcome.FAILED);
        assertThat(result.detail()).isEqualTo("sender closed");
        assertThat(await(patient.send(pushService.subscribe().subscription(), PushMessage.of("y"))).detail()).isEqualTo("sender closed");
    }

    @Test
    void retryAfterAcceptsSecondsAndHttpDates() {
        Clock clock = Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC);
        assertThat(WebPushSender.parseRetryAfter("120", clock)).isEqualTo(Duration.ofSeconds(120));
        String inTwoMinutes = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.parse("2025-06-01T10:02:00Z"));
        assertThat(inTwoMinutes).isEqualTo("Sun, 1 Jun 2025 10:02:00 GMT");
        assertThat(WebPushSender.parseRetryAfter("Sun, 01 Jun 2025 10:02:00 GMT", clock)).isEqualTo(Duration.ofSeconds(120));
        assertThat(WebPushSender.parseRetryAfter("Sun, 01 Jun 2025 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(WebPushSender.parseRetryAfter("soon", clock)).isNull();
        assertThat(WebPushSender.parseRetryAfter(null, clock)).isNull();
        assertThat(WebPushSender.parseRetryAfter("99999999999999999999999", clock)).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void backoffDoublesAndIsCapped() {
        WebPushSender backoffSender = newSender(WebPushSender.Options.defaults()
                .withInitialBackoff(Duration.ofSeconds(1)).withMaxRetryDelay(Duration.ofSeconds(10)));
        try {
            assertThat(backoffSender.backoff(1)).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1200));
            assertThat(backoffSender.backoff(2)).isBetween(Duration.ofMillis(2000), Duration.ofMillis(2400));
            assertThat(backoffSender.backoff(3)).isBetween(Duration.ofMillis(4000), Duration.ofMillis(4800));
            assertThat(backoffSender.backoff(10)).isEqualTo(Duration.ofSeconds(10));
            assertThat(backoffSender.backoff(100)).isEqualTo(Duration.ofSeconds(10));
        } finally {
            backoffSender.close();
        }
    }
}
