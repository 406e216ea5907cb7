package one.webph.media.ng;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import one.webph.media.relay.LegOptions;
import one.webph.media.relay.LegType;
import one.webph.media.relay.MediaControl;
import one.webph.media.relay.SessionStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RTPEngine NG protocol front end of a {@link MediaControl}: each UDP datagram is {@code <cookie> <bencoded
 * dictionary>} and is answered with {@code <cookie> <bencoded reply>}. Commands: ping, offer, answer, delete, query.
 * Replies carry {@code result} ("pong", "ok" or "error" with {@code error-reason}); a delete of an unknown call is
 * "ok" with a {@code warning}, like RTPEngine.
 *
 * <p>NG runs over UDP, so the proxy retransmits a request it got no reply for, with the same cookie. A request
 * whose (sender, cookie) was seen in the last {@link #COOKIE_CACHE_MILLIS} ms is not executed again: the cached
 * reply is resent (or, while the first one is still being processed, the retransmission is dropped: the reply
 * goes out when ready). This keeps an offer from allocating ports twice.
 *
 * <p>The relay writes {@code advertisedAddress} into the SDPs it returns (like RTPEngine's {@code --interface});
 * the {@code direction} flag is accepted but this relay has a single interface.
 */
public final class NgServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NgServer.class);
    static final long COOKIE_CACHE_MILLIS = 30_000;
    static final int COOKIE_CACHE_MAX = 20_000;
    static final int MAX_COOKIE_LENGTH = 128;

    private final MediaControl media;
    private final String advertisedAddress;
    private final DatagramSocket socket;
    /** (sender, cookie) -> reply; touched only on the socket's event loop, oldest first. */
    private final LinkedHashMap<String, CachedReply> replies = new LinkedHashMap<>();
    private volatile int port = -1;

    private record CachedReply(long expiresAt, Future<Buffer> reply) {
    }

    public NgServer(Vertx vertx, MediaControl media, String advertisedAddress) {
        this.media = media;
        this.advertisedAddress = new LegOptions(null, advertisedAddress).advertisedAddress(); // validates
        this.socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReceiveBufferSize(1 << 20));
    }

    /** Binds the control socket; {@code port} 0 picks a free one (see {@link #port()}). */
    public Future<NgServer> listen(String host, int port) {
        socket.handler(this::onPacket);
        socket.exceptionHandler(e -> LOG.warn("NG socket error: {}", e.toString()));
        return socket.listen(port, host).map(s -> {
            this.port = s.localAddress().port();
            LOG.info("NG control listening on {}:{}", host, this.port);
            return this;
        });
    }

    public int port() {
        return port;
    }

    public Future<Void> shutdown() {
        return socket.close();
    }

    @Override
    public void close() {
        shutdown();
    }

    // ---------------------------------------------------------------- request handling

    private void onPacket(DatagramPacket packet) {
        byte[] data = packet.data().getBytes();
        int space = -1;
        for (int i = 0; i < Math.min(data.length, MAX_COOKIE_LENGTH + 1); i++) {
            if (data[i] == ' ') {
                space = i;
                break;
            }
        }
        SocketAddress sender = packet.sender();
        if (space <= 0) {
            // Without a cookie the proxy could not match a reply: nothing sensible to send.
            LOG.debug("NG datagram without cookie from {} dropped", sender);
            return;
        }
        String cookie = new String(data, 0, space, StandardCharsets.ISO_8859_1);
        String key = sender.hostAddress() + ":" + sender.port() + " " + cookie;
        long now = System.currentTimeMillis();
        expireReplies(now);
        CachedReply cached = replies.get(key);
        if (cached != null) {
            if (cached.reply().succeeded()) {
                socket.send(cached.reply().result(), sender.port(), sender.hostAddress());
            }
            return;
        }
        Future<Buffer> reply = handle(data, space + 1)
                .recover(e -> Future.succeededFuture(error(e)))
                .map(dict -> {
                    Buffer out = Buffer.buffer(cookie.length() + 64).appendString(cookie, "ISO-8859-1")
                            .appendByte((byte) ' ');
                    try {
                        return out.appendBytes(Bencode.encode(dict));
                    } catch (BencodeException e) {
                        return out.appendBytes(Bencode.encode(error(e)));
                    }
                });
        replies.put(key, new CachedReply(now + COOKIE_CACHE_MILLIS, reply));
        if (replies.size() > COOKIE_CACHE_MAX) {
            Iterator<String> it = replies.keySet().iterator();
            it.next();
            it.remove();
        }
        reply.onSuccess(out -> socket.send(out, sender.port(), sender.hostAddress()));
    }

    private void expireReplies(long now) {
        Iterator<CachedReply> it = replies.values().iterator();
        while (it.hasNext()) {
            CachedReply r = it.next();
            if (r.expiresAt() > now) {
                break; // insertion order = expiry order
            }
            it.remove();
        }
    }

    private Future<Map<String, Object>> handle(byte[] data, int offset) {
        Map<String, Object> request;
        try {
            request = Bencode.decodeDictionary(data, offset, data.length - offset);
        } catch (BencodeException e) {
            return Future.succeededFuture(errorReply("Invalid NG data format: " + e.getMessage()));
        }
        try {
            String command = NgMessages.requiredString(request, "command", "No command in message");
            return switch (command) {
                case "ping" -> Future.succeededFuture(Map.of("result", "pong"));
                case "offer" -> offer(request);
                case "answer" -> answer(request);
                case "delete" -> delete(request);
                case "query" -> query(request);
                default -> Future.succeededFuture(errorReply("Unrecognized command '" + command + "'"));
            };
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture(errorReply(e.getMessage()));
        }
    }

    private Future<Map<String, Object>> offer(Map<String, Object> request) {
        String callId = NgMessages.requiredString(request, "call-id", "No call-id in message");
        String fromTag = NgMessages.requiredString(request, "from-tag", "No from-tag in message");
        String sdp = NgMessages.requiredString(request, "sdp", "No SDP body in message");
        NgMessages.stringList(request, "direction"); // validated only: one interface
        LegType recipient = NgMessages.recipientType(request);
        return media.offer(callId, fromTag, sdp, new LegOptions(recipient, advertisedAddress))
                .map(NgServer::sdpReply);
    }

    private Future<Map<String, Object>> answer(Map<String, Object> request) {
        String callId = NgMessages.requiredString(request, "call-id", "No call-id in message");
        String fromTag = NgMessages.requiredString(request, "from-tag", "No from-tag in message");
        String toTag = NgMessages.requiredString(request, "to-tag", "No to-tag in message");
        String sdp = NgMessages.requiredString(request, "sdp", "No SDP body in message");
        NgMessages.stringList(request, "direction");
        NgMessages.recipientType(request); // validated; the offerer's leg kind was fixed by its offer
        return media.answer(callId, fromTag, toTag, sdp, LegOptions.sameAsSdp(advertisedAddress))
                .map(NgServer::sdpReply);
    }

    /** Deletes the whole call (tags, if given, are not used: one session per Call-ID); replies with its stats. */
    private Future<Map<String, Object>> delete(Map<String, Object> request) {
        String callId = NgMessages.requiredString(request, "call-id", "No call-id in message");
        return media.deleteAndReport(callId).map(stats -> {
            if (stats == null) {
                Map<String, Object> reply = new LinkedHashMap<>();
                reply.put("result", "ok");
                reply.put("warning", "Call-ID not found or tags didn't match");
                return reply;
            }
            return okWith(NgMessages.statisticsReply(stats));
        });
    }

    private Future<Map<String, Object>> query(Map<String, Object> request) {
        String callId = NgMessages.requiredString(request, "call-id", "No call-id in message");
        return media.statistics(callId).map(stats -> stats == null ? errorReply("Unknown call-id")
                : okWith(NgMessages.statisticsReply(stats)));
    }

    private static Map<String, Object> sdpReply(String sdp) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("result", "ok");
        reply.put("sdp", sdp);
        return reply;
    }

    private static Map<String, Object> okWith(Map<String, Object> fields) {
        Map<String, Object> reply = new LinkedHashMap<>(fields);
        reply.put("result", "ok");
        return reply;
    }

    private static Map<String, Object> error(Throwable e) {
        if (!(e instanceof IllegalArgumentException || e instanceof IllegalStateException)) {
            LOG.warn("NG request failed", e);
        }
        return errorReply(e.getMessage() != null ? e.getMessage() : e.toString());
    }

    private static Map<String, Object> errorReply(String reason) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("result", "error");
        reply.put("error-reason", reason);
        return reply;
    }
}
