package one.webph.media.ng;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.MediaControl;
import one.webph.media.relay.SessionStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous RTPEngine NG protocol client: drives our {@link NgServer} (a relay in another process) or a real
 * RTPEngine, through the same {@link MediaControl} interface as the in-process relay.
 *
 * <p>Every request gets a unique cookie; without a reply within {@code timeout} it is sent again with the same
 * cookie (the relay answers a repeated cookie from its reply cache rather than executing it twice), up to
 * {@code attempts} sends, then the future fails with {@link NgException#isTimeout()}. An {@code error} result fails
 * the future with the relay's {@code error-reason}.
 *
 * <p>{@link LegOptions#advertisedAddress()} is not sent: the remote relay advertises its own configured address
 * (RTPEngine: {@code --interface}). Extra parameters (e.g. {@code direction}, {@code replace}) given to the
 * constructor are added to every offer and answer.
 */
public final class NgClient implements MediaControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NgClient.class);

    private final Vertx vertx;
    private final SocketAddress server;
    private final long timeoutMillis;
    private final int attempts;
    private final Map<String, Object> extraParameters;
    private final DatagramSocket socket;
    private final Future<DatagramSocket> bound;
    private final String cookiePrefix;
    private final AtomicLong cookieCounter = new AtomicLong();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** from-tag of each call we offered, to tell the caller's leg in query replies; dropped on delete. */
    private final Map<String, String> fromTags = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final class Pending {
        final String cookie;
        final Buffer datagram;
        final Promise<Map<String, Object>> promise = Promise.promise();
        int sent;
        long timerId = -1;

        Pending(String cookie, Buffer datagram) {
            this.cookie = cookie;
            this.datagram = datagram;
        }
    }

    /** One second per attempt, three attempts, like Kamailio's rtpengine module defaults. */
    public NgClient(Vertx vertx, SocketAddress server) {
        this(vertx, server, Duration.ofSeconds(1), 3, Map.of());
    }

    public NgClient(Vertx vertx, SocketAddress server, Duration timeout, int attempts,
                    Map<String, Object> extraParameters) {
        if (attempts < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("attempts must be >= 1 and timeout positive");
        }
        this.vertx = vertx;
        this.server = server;
        this.timeoutMillis = timeout.toMillis();
        this.attempts = attempts;
        this.extraParameters = Map.copyOf(extraParameters);
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        this.cookiePrefix = String.format("%08x", java.nio.ByteBuffer.wrap(random).getInt());
        this.socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReceiveBufferSize(1 << 20));
        socket.handler(this::onReply);
        boolean ipv6 = server.hostAddress() != null && server.hostAddress().contains(":");
        this.bound = socket.listen(0, ipv6 ? "::" : "0.0.0.0");
    }

    // ---------------------------------------------------------------- MediaControl

    public Future<Void> ping() {
        return request(Map.of("command", "ping")).compose(reply -> "pong".equals(reply.get("result"))
                ? Future.succeededFuture() : Future.failedFuture(new NgException("ping answered " + reply)));
    }

    @Override
    public Future<String> offer(String callId, String fromTag, String sdp, LegOptions forCallee) {
        Map<String, Object> message = new LinkedHashMap<>(extraParameters);
        message.put("command", "offer");
        message.put("call-id", callId);
        message.put("from-tag", fromTag);
        message.put("sdp", sdp);
        NgMessages.putRecipientFlags(message, forCallee.type());
        fromTags.putIfAbsent(callId, fromTag);
        return request(message).compose(NgClient::sdpOf);
    }

    @Override
    public Future<String> answer(String callId, String fromTag, String toTag, String sdp, LegOptions forCaller) {
        Map<String, Object> message = new LinkedHashMap<>(extraParameters);
        message.put("command", "answer");
        message.put("call-id", callId);
        message.put("from-tag", fromTag);
        message.put("to-tag", toTag);
        message.put("sdp", sdp);
        return request(message).compose(NgClient::sdpOf);
    }

    @Override
    public Future<Void> delete(String callId) {
        return delete(callId, fromTags.get(callId)).mapEmpty();
    }

    private Future<Map<String, Object>> delete(String callId, String fromTag) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("command", "delete");
        message.put("call-id", callId);
        fromTags.remove(callId);
        if (fromTag != null) {
            message.put("from-tag", fromTag);
        }
        return request(message);
    }

    /** One NG delete: its reply carries the call's statistics (RTPEngine's and ours), as a query's would. */
    @Override
    public Future<SessionStatistics> deleteAndReport(String callId) {
        String fromTag = fromTags.get(callId);
        return delete(callId, fromTag).map(reply -> reply.get("tags") instanceof Map
                ? NgMessages.parseStatistics(callId, fromTag, reply) : null);
    }

    @Override
    public Future<SessionStatistics> statistics(String callId) {
        Map<String, Object> message = Map.of("command", "query", "call-id", callId);
        return request(message).<SessionStatistics>map(reply ->
                NgMessages.parseStatistics(callId, fromTags.get(callId), reply))
                .recover(e -> e instanceof NgException ng && !ng.isTimeout()
                        && String.valueOf(ng.getMessage()).toLowerCase().contains("unknown call")
                        ? Future.succeededFuture(null) : Future.failedFuture(e));
    }

    // ---------------------------------------------------------------- raw requests

    /**
     * Sends one NG request (a dictionary with at least {@code command}) and completes with the reply dictionary;
     * fails with {@link NgException} on an error result or when no reply came after all attempts.
     */
    public Future<Map<String, Object>> request(Map<String, Object> message) {
        if (closed) {
            return Future.failedFuture(new IllegalStateException("NG client closed"));
        }
        byte[] body;
        try {
            body = Bencode.encode(message);
        } catch (BencodeException e) {
            return Future.failedFuture(e);
        }
        String cookie = cookiePrefix + "_" + cookieCounter.incrementAndGet();
        Buffer datagram = Buffer.buffer(cookie.length() + 1 + body.length)
                .appendString(cookie, "ISO-8859-1").appendByte((byte) ' ').appendBytes(body);
        Pending p = new Pending(cookie, datagram);
        pending.put(cookie, p);
        bound.onComplete(ar -> {
            if (ar.failed()) {
                fail(p, new NgException("cannot open the NG client socket: " + ar.cause().getMessage()));
            } else {
                transmit(p);
            }
        });
        return p.promise.future();
    }

    private void transmit(Pending p) {
        synchronized (p) {
            if (p.promise.future().isComplete()) {
                return;
            }
            if (p.sent >= attempts) {
                pending.remove(p.cookie);
                p.promise.tryFail(new NgException("no reply from NG relay " + server + " after " + attempts
                        + " attempts of " + timeoutMillis + " ms", true));
                return;
            }
            p.sent++;
            if (p.sent > 1) {
                LOG.debug("NG request {} to {} retransmitted (attempt {})", p.cookie, server, p.sent);
            }
            socket.send(p.datagram, server.port(), server.hostAddress());
            p.timerId = vertx.setTimer(timeoutMillis, id -> transmit(p));
        }
    }

    private void fail(Pending p, Throwable error) {
        pending.remove(p.cookie);
        p.promise.tryFail(error);
    }

    private void onReply(DatagramPacket packet) {
        byte[] data = packet.data().getBytes();
        int space = -1;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == ' ') {
                space = i;
                break;
            }
        }
        if (space <= 0) {
            LOG.debug("NG reply without cookie from {} ignored", packet.sender());
            return;
        }
        Pending p = pending.remove(new String(data, 0, space, StandardCharsets.ISO_8859_1));
        if (p == null) {
            return; // late duplicate of a reply already taken, or not ours
        }
        synchronized (p) {
            vertx.cancelTimer(p.timerId);
        }
        Map<String, Object> reply;
        try {
            reply = Bencode.decodeDictionary(data, space + 1, data.length - space - 1);
        } catch (BencodeException e) {
            p.promise.tryFail(new NgException("unreadable NG reply: " + e.getMessage()));
            return;
        }
        Object result = reply.get("result");
        if ("error".equals(result)) {
            Object reason = reply.get("error-reason");
            p.promise.tryFail(new NgException(reason instanceof String s ? s : "NG request failed"));
            return;
        }
        if (reply.get("warning") instanceof String warning) {
            LOG.debug("NG relay warning: {}", warning);
        }
        p.promise.tryComplete(reply);
    }

    private static Future<String> sdpOf(Map<String, Object> reply) {
        return reply.get("sdp") instanceof String sdp ? Future.succeededFuture(sdp)
                : Future.failedFuture(new NgException("NG reply without sdp"));
    }

    public Future<Void> shutdown() {
        closed = true;
        for (Pending p : pending.values()) {
            synchronized (p) {
                vertx.cancelTimer(p.timerId);
            }
            fail(p, new IllegalStateException("NG client closed"));
        }
        return socket.close();
    }

    @Override
    public void close() {
        shutdown();
    }
}
