package one.webph.webpush;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends encrypted Web Push messages (RFC 8030 + 8291 + 8292) with the JDK {@link HttpClient} (HTTP/2 when the push
 * service offers it via ALPN, else HTTP/1.1). Non-blocking: {@link #send} returns at once and completes with a
 * {@link PushResult}; it never completes exceptionally. 429, 5xx and network errors are retried with exponential
 * backoff, honouring {@code Retry-After}. Thread-safe; one instance per application. Close it on shutdown.
 */
public final class WebPushSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebPushSender.class);
    /** Enough of an error body to explain a rejection in the log; the rest is discarded unread. */
    private static final int MAX_DETAIL_BYTES = 512;

    /**
     * Tuning knobs.
     *
     * @param maxAttempts    total HTTP attempts per message including the first (>= 1)
     * @param initialBackoff delay before the first retry; doubles per retry (plus up to 20% jitter)
     * @param maxRetryDelay  cap for the backoff; a {@code Retry-After} longer than this ends the retries
     * @param requestTimeout time to wait for a response's status line
     * @param connectTimeout time to wait for a TCP+TLS connection
     */
    public record Options(int maxAttempts, Duration initialBackoff, Duration maxRetryDelay,
                          Duration requestTimeout, Duration connectTimeout) {
        public Options {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
            Objects.requireNonNull(initialBackoff, "initialBackoff");
            Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (initialBackoff.isNegative() || maxRetryDelay.isNegative() || requestTimeout.isNegative()
                    || requestTimeout.isZero() || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("durations must be positive");
            }
        }

        /** 4 attempts, 1 s first backoff, 60 s cap, 30 s request and 10 s connect timeouts. */
        public static Options defaults() {
            return new Options(4, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(10));
        }

        public Options withMaxAttempts(int attempts) {
            return new Options(attempts, initialBackoff, maxRetryDelay, requestTimeout, connectTimeout);
        }

        public Options withInitialBackoff(Duration backoff) {
            return new Options(maxAttempts, backoff, maxRetryDelay, requestTimeout, connectTimeout);
        }

        public Options withMaxRetryDelay(Duration cap) {
            return new Options(maxAttempts, initialBackoff, cap, requestTimeout, connectTimeout);
        }

        public Options withRequestTimeout(Duration timeout) {
            return new Options(maxAttempts, initialBackoff, maxRetryDelay, timeout, connectTimeout);
        }

        public Options withConnectTimeout(Duration timeout) {
            return new Options(maxAttempts, initialBackoff, maxRetryDelay, requestTimeout, timeout);
        }
    }

    private final Vapid vapid;
    private final Options options;
    private final Clock clock;
    private final ExecutorService httpExecutor;
    private final ScheduledExecutorService scheduler;
    private final HttpClient client;
    private final Set<CompletableFuture<PushResult>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Uses the JDK's default trust store and {@link Options#defaults()}. */
    public WebPushSender(Vapid vapid) {
        this(vapid, null, Options.defaults());
    }

    /** Trusts what {@code sslContext} trusts (e.g. a test CA); {@code null} for the JDK default. */
    public WebPushSender(Vapid vapid, SSLContext sslContext) {
        this(vapid, sslContext, Options.defaults());
    }

    public WebPushSender(Vapid vapid, SSLContext sslContext, Options options) {
        this.vapid = Objects.requireNonNull(vapid, "vapid");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Clock.systemUTC();
        // Two threads suffice: they only run TLS and response callbacks, never wait on the network.
        this.httpExecutor = Executors.newFixedThreadPool(2, daemonThreads("webpush-http-"));
        // Runs response handling, retry timers and the completion of returned futures (so callers' callbacks).
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("webpush-"));
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.connectTimeout())
                .executor(httpExecutor);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.client = builder.build();
    }

    public Options options() {
        return options;
    }

    /**
     * Encrypts {@code message} for {@code subscription} and posts it to the push service. The future completes
     * with the outcome after the last attempt; it does not complete exceptionally. Dependent actions run on the
     * sender's single scheduling thread, so callers must not block in them (hand blocking work, e.g. JDBC, to
     * their own executor).
     */
    public CompletableFuture<PushResult> send(Subscription subscription, PushMessage message) {
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(message, "message");
        String target = logTarget(subscription);
        if (closed) {
            return CompletableFuture.completedFuture(finish(target, new PushResult(PushResult.Outcome.FAILED, 0, 0, "sender closed")));
        }
        CompletableFuture<PushResult> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((r, e) -> pending.remove(result));
        try {
            // Encryption (an ECDH and a key generation, about a millisecond) runs here, not on the caller's thread,
            // which may be an event loop.
            scheduler.execute(() -> {
                HttpRequest request;
                try {
                    byte[] body = WebPushEncryption.encrypt(message.payload(), subscription.p256dhBytes(), subscription.authBytes());
                    request = buildRequest(subscription.endpointUri(), message, body);
                } catch (RuntimeException e) {
                    result.complete(finish(target,
                            new PushResult(PushResult.Outcome.FAILED, 0, 0, "cannot build push request: " + e.getMessage())));
                    return;
                }
                attempt(request, target, 1, result);
            });
        } catch (RejectedExecutionException e) {
            result.complete(finish(target, new PushResult(PushResult.Outcome.FAILED, 0, 0, "sender closed")));
        }
        return result;
    }

    /** Stops retries and the HTTP threads; pushes still pending complete as FAILED ("sender closed"). */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        PushResult closedResult = new PushResult(PushResult.Outcome.FAILED, 0, 0, "sender closed");
        for (CompletableFuture<PushResult> future : pending) {
            if (future.complete(closedResult)) {
                finish("(pending push)", closedResult);
            }
        }
        httpExecutor.shutdownNow();
    }

    private HttpRequest buildRequest(URI endpoint, PushMessage message, byte[] body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(options.requestTimeout())
                .header("TTL", Long.toString(message.ttlSeconds()))
                .header("Urgency", message.urgency().headerValue())
                .header("Content-Encoding", "aes128gcm")
                .header("Content-Type", "application/octet-stream")
                .header("Authorization", vapid.authorizationHeader(endpoint))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (message.topic() != null) {
            builder.header("Topic", message.topic());
        }
        return builder.build();
    }

    private void attempt(HttpRequest request, String target, int attemptNumber, CompletableFuture<PushResult> result) {
        if (result.isDone()) {
            return;
        }
        HttpRequest signed = attemptNumber == 1 ? request : refreshAuthorization(request);
        CompletableFuture<HttpResponse<String>> response;
        try {
            response = client.sendAsync(signed, responseInfo -> new LimitedTextSubscriber(MAX_DETAIL_BYTES));
        } catch (RuntimeException e) {
            // e.g. the executor was shut down by close() between the check and this call
            result.complete(finish(target, new PushResult(PushResult.Outcome.FAILED, 0, attemptNumber, e.toString())));
            return;
        }
        // Continue on our own thread: the JDK completes sendAsync futures on its internal async pool, which on
        // small machines is a new thread per task, and callers' callbacks should not run there.
        response.whenCompleteAsync((resp, error) -> {
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                retryOrFinish(request, target, attemptNumber, result, 0, null, "network error: " + cause);
            } else {
                handleResponse(request, target, attemptNumber, result, resp);
            }
        }, scheduler);
    }

    private void handleResponse(HttpRequest request, String target, int attemptNumber,
                                CompletableFuture<PushResult> result, HttpResponse<String> response) {
        int status = response.statusCode();
        String detail = "HTTP " + status + (response.body().isEmpty() ? "" : ": " + response.body());
        PushResult.Outcome outcome;
        if (status == 201 || status == 202) {
            outcome = PushResult.Outcome.DELIVERED;
        } else if (status == 404 || status == 410) {
            outcome = PushResult.Outcome.GONE;
        } else if (status == 413) {
            outcome = PushResult.Outcome.TOO_LARGE;
        } else if (status == 429 || status >= 500) {
            Optional<String> retryAfter = response.headers().firstValue("Retry-After");
            retryOrFinish(request, target, attemptNumber, result, status, retryAfter.orElse(null), detail);
            return;
        } else {
            outcome = PushResult.Outcome.FAILED;
        }
        result.complete(finish(target, new PushResult(outcome, status, attemptNumber, detail)));
    }

    private void retryOrFinish(HttpRequest request, String target, int attemptNumber, CompletableFuture<PushResult> result,
                               int status, String retryAfterHeader, String detail) {
        if (attemptNumber >= options.maxAttempts() || closed) {
            result.complete(finish(target, new PushResult(PushResult.Outcome.FAILED, status, attemptNumber,
                    detail + " (gave up after " + attemptNumber + " attempt" + (attemptNumber == 1 ? "" : "s") + ")")));
            return;
        }
        Duration delay;
        Duration retryAfter = parseRetryAfter(retryAfterHeader, clock);
        if (retryAfter != null) {
            if (retryAfter.compareTo(options.maxRetryDelay()) > 0) {
                result.complete(finish(target, new PushResult(PushResult.Outcome.FAILED, status, attemptNumber,
                        detail + " (Retry-After " + retryAfter.toSeconds() + " s exceeds the retry limit)")));
                return;
            }
            delay = retryAfter;
        } else {
            delay = backoff(attemptNumber);
        }
        LOG.debug("push to {} attempt {} failed ({}); retrying in {} ms", target, attemptNumber, detail, delay.toMillis());
        try {
            scheduler.schedule(() -> attempt(request, target, attemptNumber + 1, result),
                    delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result.complete(finish(target, new PushResult(PushResult.Outcome.FAILED, status, attemptNumber, "sender closed")));
        }
    }

    /** Exponential backoff: initial * 2^(attempt-1), capped, plus up to 20% jitter so a burst of retries spreads. */
    Duration backoff(int attemptNumber) {
        long base = options.initialBackoff().toMillis();
        long cap = options.maxRetryDelay().toMillis();
        long exponential = attemptNumber >= 31 ? cap : Math.min(cap, base << Math.min(attemptNumber - 1, 30));
        if (exponential < 0) {
            exponential = cap;
        }
        long jitter = exponential <= 0 ? 0 : ThreadLocalRandom.current().nextLong(exponential / 5 + 1);
        return Duration.ofMillis(Math.min(cap, exponential + jitter));
    }

    /** A new request identical to {@code request} but with a current VAPID token (the cached one may have rolled over). */
    private HttpRequest refreshAuthorization(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase("Authorization"))
                .header("Authorization", vapid.authorizationHeader(request.uri()))
                .build();
    }

    /**
     * Parses {@code Retry-After} (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date. Returns {@code null}
     * when absent or unparseable; a date in the past gives zero.
     */
    static Duration parseRetryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.strip();
        if (trimmed.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(trimmed));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L); // absurdly large: treated as "too long"
            }
        }
        try {
            ZonedDateTime when = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration delay = Duration.between(clock.instant(), when.toInstant());
            return delay.isNegative() ? Duration.ZERO : delay;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static PushResult finish(String target, PushResult result) {
        switch (result.outcome()) {
            case DELIVERED -> LOG.info("push to {} delivered (HTTP {}, {} attempt(s))", target, result.statusCode(), result.attempts());
            case GONE -> LOG.info("push to {}: subscription gone (HTTP {})", target, result.statusCode());
            case TOO_LARGE -> LOG.warn("push to {} refused as too large: {}", target, result.detail());
            case FAILED -> LOG.warn("push to {} failed after {} attempt(s): {}", target, result.attempts(), result.detail());
        }
        return result;
    }

    /** Endpoint origin plus a short hash: identifies a subscription in logs without revealing its capability URL. */
    private static String logTarget(Subscription subscription) {
        return subscription.origin() + "#" + Integer.toHexString(subscription.endpoint().hashCode());
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Keeps the first {@code limit} bytes of a response body as text and cancels the rest, so a hostile or broken
     * endpoint cannot make the sender buffer an unbounded body.
     */
    private static final class LimitedTextSubscriber implements HttpResponse.BodySubscriber<String> {
        private final int limit;
        private final byte[] kept;
        private int size;
        private Flow.Subscription subscription;
        private final CompletableFuture<String> body = new CompletableFuture<>();

        LimitedTextSubscriber(int limit) {
            this.limit = limit;
            this.kept = new byte[limit];
        }

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription newSubscription) {
            this.subscription = newSubscription;
            newSubscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int take = Math.min(buffer.remaining(), limit - size);
                buffer.get(kept, size, take);
                size += take;
            }
            if (size >= limit) {
                subscription.cancel();
                complete();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            // The status line already arrived; a body cut short still leaves a usable result.
            complete();
        }

        @Override
        public void onComplete() {
            complete();
        }

        private void complete() {
            body.complete(new String(kept, 0, size, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " "));
        }
    }
}
