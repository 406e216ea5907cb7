package one.webph.server.push;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import one.webph.webpush.P256;
import one.webph.webpush.Subscription;
import one.webph.webpush.WebPushEncryption;

/**
 * Copied from the webpush module's tests (webpush/src/test/.../PushServiceStandIn.java), unchanged but for the
 * package: test classes are not shared between modules.
 *
 * <p>A push service for tests: an HTTPS server on loopback (HTTP/2 via ALPN, HTTP/1.1 fallback) that behaves like
 * FCM/autopush as far as an application server can tell. It checks each request's VAPID {@code Authorization}
 * header (ES256 signature, {@code aud}, {@code exp}, {@code sub}, optionally the expected key), its TTL and
 * Content-Encoding, decrypts the aes128gcm body with the subscriber's private key and auth secret, and records
 * accepted pushes. Responses can be scripted ({@link #enqueueResponse}) and subscribers unsubscribed (then 410).
 *
 * <p>Self-contained on purpose (JDK, Vert.x core and {@link WebPushEncryption#decrypt}/{@link P256} only), so the
 * server and e2e tests can copy it. The TLS certificate is self-signed for {@code 127.0.0.1}/{@code localhost},
 * made by the JDK's {@code keytool}; {@link #clientSslContext()} trusts exactly it.
 */
public final class PushServiceStandIn implements AutoCloseable {
    private static final Pattern VAPID_HEADER = Pattern.compile("vapid\\s+t=([A-Za-z0-9_\\-.]+)\\s*,\\s*k=([A-Za-z0-9_\\-]+)\\s*");
    private static final Duration MAX_JWT_LIFETIME = Duration.ofHours(24);

    /** A subscribed browser: its subscription (as posted to the app server) and its private key material. */
    public record Subscriber(String id, Subscription subscription, ECPrivateKey privateKey, byte[] publicKey, byte[] authSecret) {
        public String endpoint() {
            return subscription.endpoint();
        }
    }

    /** One push the service accepted, as the browser would see it, plus the request metadata. */
    public record ReceivedPush(String subscriberId, byte[] payload, HttpVersion httpVersion, String ttl, String urgency,
                               String topic, String contentEncoding, String contentType, JsonObject jwtClaims,
                               String vapidPublicKey) {
        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private record ScriptedResponse(int status, String retryAfter) {
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final SSLContext clientSslContext;
    private final String expectedVapidKey;
    private final Map<String, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Boolean> unsubscribed = new ConcurrentHashMap<>();
    private final Deque<ScriptedResponse> script = new ArrayDeque<>();
    private final BlockingQueue<ReceivedPush> received = new LinkedBlockingQueue<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger();

    private PushServiceStandIn(Vertx vertx, HttpServer server, SSLContext clientSslContext, String expectedVapidKey) {
        this.vertx = vertx;
        this.server = server;
        this.clientSslContext = clientSslContext;
        this.expectedVapidKey = expectedVapidKey;
    }

    /** Starts with HTTP/2 (and HTTP/1.1 fallback), accepting any valid VAPID key. */
    public static PushServiceStandIn start() throws Exception {
        return start(null, true);
    }

    /**
     * @param expectedVapidKey the applicationServerKey subscriptions were made with (base64url); requests signed
     *                         with another key get 403 as real push services answer. {@code null}: any key.
     * @param http2            offer h2 in ALPN; {@code false} forces the client to fall back to HTTP/1.1
     */
    public static PushServiceStandIn start(String expectedVapidKey, boolean http2) throws Exception {
        TestCertificate certificate = TestCertificate.get();
        SSLContext clientContext = trustingOnly(certificate.pkcs12(), certificate.password());
        Vertx vertx = Vertx.vertx();
        HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(http2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
                .setKeyCertOptions(new PfxOptions().setValue(Buffer.buffer(certificate.pkcs12())).setPassword(certificate.password()));
        HttpServer server = vertx.createHttpServer(options);
        PushServiceStandIn standIn = new PushServiceStandIn(vertx, server, clientContext, expectedVapidKey);
        server.requestHandler(standIn::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
        return standIn;
    }

    /** An SSLContext trusting only this stand-in's certificate (pass it to the sender under test). */
    public SSLContext clientSslContext() {
        return clientSslContext;
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code https://127.0.0.1:<port>}: the JWT audience this service demands. */
    public String origin() {
        return "https://127.0.0.1:" + port();
    }

    /** Creates a browser-side subscription: a fresh P-256 key pair, auth secret and endpoint on this service. */
    public Subscriber subscribe() {
        String id = "sub" + nextId.incrementAndGet() + "-" + HexFormat.of().formatHex(randomBytes(8));
        KeyPair keys = P256.generateKeyPair();
        byte[] publicKey = P256.encodePublicKey((ECPublicKey) keys.getPublic());
        byte[] auth = randomBytes(16);
        Subscription subscription = new Subscription(origin() + "/push/" + id,
                Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey),
                Base64.getUrlEncoder().withoutPadding().encodeToString(auth));
        Subscriber subscriber = new Subscriber(id, subscription, (ECPrivateKey) keys.getPrivate(), publicKey, auth);
        subscribers.put(id, subscriber);
        return subscriber;
    }

    /** The browser unsubscribed: further pushes to it get 410 Gone. */
    public void unsubscribe(Subscriber subscriber) {
        unsubscribed.put(subscriber.id(), Boolean.TRUE);
    }

    /** The next valid request gets {@code status} (with {@code Retry-After} if non-null) instead of 201; FIFO. */
    public void enqueueResponse(int status, String retryAfter) {
        synchronized (script) {
            script.addLast(new ScriptedResponse(status, retryAfter));
        }
    }

    /** Waits for the next accepted push; {@code null} if none arrives in time. */
    public ReceivedPush awaitPush(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Accepted pushes not yet taken by {@link #awaitPush}. */
    public int pendingPushes() {
        return received.size();
    }

    /** Protocol violations seen (bad VAPID, bad body...); a correct sender leaves this empty. */
    public List<String> errors() {
        return new ArrayList<>(errors);
    }

    /** HTTP requests received, whatever their fate. */
    public int requestCount() {
        return requestCount.get();
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest request) {
        requestCount.incrementAndGet();
        request.body().onComplete(ar -> {
            if (ar.failed()) {
                reject(request, 400, "could not read body: " + ar.cause());
                return;
            }
            try {
                process(request, ar.result().getBytes());
            } catch (RuntimeException e) {
                reject(request, 500, "stand-in failure: " + e);
            }
        });
    }

    private void process(HttpServerRequest request, byte[] body) {
        if (!request.method().name().equals("POST")) {
            reject(request, 405, "method " + request.method() + " instead of POST");
            return;
        }
        String path = request.path();
        if (!path.startsWith("/push/")) {
            reject(request, 404, "unknown path " + path);
            return;
        }
        JsonObject claims;
        String vapidKey;
        String authorization = request.getHeader("Authorization");
        Matcher vapid = authorization == null ? null : VAPID_HEADER.matcher(authorization);
        if (vapid == null || !vapid.matches()) {
            reject(request, 401, "missing or malformed VAPID Authorization header: " + authorization);
            return;
        }
        vapidKey = vapid.group(2);
        try {
            claims = verifyJwt(vapid.group(1), vapidKey);
        } catch (IllegalArgumentException e) {
            reject(request, 401, "VAPID token rejected: " + e.getMessage());
            return;
        }
        if (expectedVapidKey != null && !expectedVapidKey.equals(vapidKey)) {
            reject(request, 403, "VAPID key " + vapidKey + " is not the key the subscription was made with");
            return;
        }
        String ttl = request.getHeader("TTL");
        if (ttl == null || !ttl.matches("\\d+")) {
            reject(request, 400, "missing or invalid TTL header: " + ttl);
            return;
        }
        if (!"aes128gcm".equals(request.getHeader("Content-Encoding"))) {
            reject(request, 400, "Content-Encoding is " + request.getHeader("Content-Encoding") + ", not aes128gcm");
            return;
        }
        String id = path.substring("/push/".length());
        Subscriber subscriber = subscribers.get(id);
        if (subscriber == null) {
            request.response().setStatusCode(404).end();
            return;
        }
        if (unsubscribed.containsKey(id)) {
            request.response().setStatusCode(410).end("push subscription has unsubscribed or expired.");
            return;
        }
        ScriptedResponse scripted;
        synchronized (script) {
            scripted = script.pollFirst();
        }
        if (scripted != null && scripted.status() != 201) {
            var response = request.response().setStatusCode(scripted.status());
            if (scripted.retryAfter() != null) {
                response.putHeader("Retry-After", scripted.retryAfter());
            }
            response.end("scripted " + scripted.status());
            return;
        }
        if (body.length > WebPushEncryption.MAX_BODY_LENGTH) {
            request.response().setStatusCode(413).end("payload too large");
            return;
        }
        byte[] payload;
        try {
            payload = WebPushEncryption.decrypt(body, subscriber.privateKey(), subscriber.publicKey(), subscriber.authSecret());
        } catch (IllegalArgumentException e) {
            reject(request, 400, "body does not decrypt for subscriber " + id + ": " + e.getMessage());
            return;
        }
        received.add(new ReceivedPush(id, payload, request.version(), ttl, request.getHeader("Urgency"),
                request.getHeader("Topic"), request.getHeader("Content-Encoding"), request.getHeader("Content-Type"),
                claims, vapidKey));
        request.response().setStatusCode(201).putHeader("Location", origin() + "/message/" + id + "-" + requestCount.get()).end();
    }

    /** Checks the ES256 signature against {@code k} (JDK P1363 format, independent of the sender's DER conversion) and the claims. */
    private JsonObject verifyJwt(String jwt, String publicKeyB64) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("JWT must have three parts");
        }
        Base64.Decoder decoder = Base64.getUrlDecoder();
        JsonObject header = new JsonObject(new String(decoder.decode(parts[0]), StandardCharsets.UTF_8));
        if (!"ES256".equals(header.getString("alg"))) {
            throw new IllegalArgumentException("alg is " + header.getString("alg"));
        }
        try {
            ECPublicKey key = P256.decodePublicKey(decoder.decode(publicKeyB64));
            Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
            verifier.initVerify(key);
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            byte[] signature = decoder.decode(parts[2]);
            if (signature.length != 64 || !verifier.verify(signature)) {
                throw new IllegalArgumentException("signature does not verify with k");
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("signature check failed: " + e.getMessage());
        }
        JsonObject claims = new JsonObject(new String(decoder.decode(parts[1]), StandardCharsets.UTF_8));
        if (!origin().equals(claims.getString("aud"))) {
            throw new IllegalArgumentException("aud is " + claims.getString("aud") + ", expected " + origin());
        }
        Long exp = claims.getLong("exp");
        long now = Instant.now().getEpochSecond();
        if (exp == null || exp <= now || exp > now + MAX_JWT_LIFETIME.toSeconds()) {
            throw new IllegalArgumentException("exp " + exp + " is not within the next 24 h");
        }
        String sub = claims.getString("sub");
        if (sub == null || !(sub.startsWith("mailto:") || sub.startsWith("https:"))) {
            throw new IllegalArgumentException("sub is " + sub);
        }
        return claims;
    }

    private void reject(HttpServerRequest request, int status, String why) {
        errors.add(why);
        request.response().setStatusCode(status).end(why);
    }

    /**
     * The self-signed certificate, made once per JVM because running keytool takes a second or more on a busy
     * machine. keytool rather than code: the JDK has no public API for building certificates.
     */
    private record TestCertificate(byte[] pkcs12, String password) {
        private static TestCertificate instance;

        static synchronized TestCertificate get() throws IOException, InterruptedException {
            if (instance == null) {
                instance = generate();
            }
            return instance;
        }

        private static TestCertificate generate() throws IOException, InterruptedException {
            String password = HexFormat.of().formatHex(randomBytes(12));
            Path dir = Files.createTempDirectory("push-standin");
            Path keyStore = dir.resolve("standin.p12");
            try {
                Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
                Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "standin",
                        "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                        "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                        "-storepass", password, "-keypass", password)
                        .redirectErrorStream(true)
                        .start();
                byte[] output;
                try (InputStream in = process.getInputStream()) {
                    output = in.readAllBytes();
                }
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("keytool timed out");
                }
                if (process.exitValue() != 0) {
                    throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
                }
                return new TestCertificate(Files.readAllBytes(keyStore), password);
            } finally {
                Files.deleteIfExists(keyStore);
                Files.deleteIfExists(dir);
            }
        }
    }

    private static SSLContext trustingOnly(byte[] keyStoreBytes, String password) throws Exception {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(new java.io.ByteArrayInputStream(keyStoreBytes), password.toCharArray());
        Certificate certificate = keyStore.getCertificate("standin");
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("standin", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), new SecureRandom());
        return context;
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
