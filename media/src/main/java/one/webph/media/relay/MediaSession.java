package one.webph.media.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.NetUtil;
import io.vertx.core.internal.ContextInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;
import one.webph.media.dtls.DtlsRole;
import one.webph.media.dtls.DtlsSrtpEndpoint;
import one.webph.media.rtp.PacketKind;
import one.webph.media.rtp.RtcpParser;
import one.webph.media.rtp.RtcpReportBlock;
import one.webph.media.sdp.Connection;
import one.webph.media.sdp.Direction;
import one.webph.media.sdp.Fingerprint;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SdpParseException;
import one.webph.media.sdp.SessionDescription;
import one.webph.media.srtp.SrtpTransformer;
import one.webph.media.stun.IceLiteAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call anchored in the relay: two legs and the forwarding between them. Every method that touches state runs on
 * the session's own Vert.x event-loop context (sockets are created on it, so packet handlers run there too), which
 * is why no locks are needed. {@link #statistics()} is read on that context too ({@link #statisticsOnContext()}).
 *
 * <p>Packet path (per datagram, the relay's capacity): Netty's pooled buffer is forwarded as is between plain or
 * passthrough legs (retained, never copied); only SRTP termination, STUN and DTLS work on byte arrays.
 */
final class MediaSession {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSession.class);
    /** ClientHellos that arrive before the SIP answer told us the fingerprint are kept, a few at most. */
    private static final int MAX_EARLY_DTLS = 8;

    private final MediaRelay relay;
    private final ContextInternal context;
    final String callId;
    final String fromTag;
    private volatile String toTag;
    final MediaLeg caller;
    final MediaLeg callee;
    final RelayMode mode;
    private final Instant created = Instant.now();
    /** Written per packet on the session's loop; read there by the timeout check. */
    private long lastActivityMillis = System.currentTimeMillis();
    /** An answer (183 or 200) was applied: until then the call rings and silence is expected. */
    private volatile boolean answered;
    private volatile boolean ended;
    /** The leg whose endpoint sent the last offer; the next answer comes from the other one. */
    private MediaLeg offerer;
    private Future<?> tail = Future.succeededFuture();
    private final ArrayDeque<byte[]> earlyDtlsCaller = new ArrayDeque<>();
    private final ArrayDeque<byte[]> earlyDtlsCallee = new ArrayDeque<>();
    /** The sockets of the session's event loop: sessions take theirs here and give them back at the end. */
    private final SocketPool socketPool;

    MediaSession(MediaRelay relay, ContextInternal context, String callId, String fromTag, LegType callerType,
                 LegType calleeType) {
        this.relay = relay;
        this.context = context;
        this.callId = callId;
        this.fromTag = fromTag;
        this.caller = new MediaLeg("caller", callerType);
        this.callee = new MediaLeg("callee", calleeType);
        this.mode = RelayMode.of(callerType, calleeType);
        this.offerer = caller;
        this.socketPool = relay.socketPool(context.nettyEventLoop());
    }

    boolean passthrough() {
        return mode == RelayMode.BROWSER_BROWSER;
    }

    boolean ended() {
        return ended;
    }

    /** Runs operations one after another on the session context (an answer waits for the offer's port binding). */
    <T> Future<T> enqueue(Supplier<Future<T>> operation) {
        Promise<T> result = Promise.promise();
        context.runOnContext(v -> {
            Future<T> next = tail.transform(ignored -> {
                if (ended) {
                    return Future.failedFuture(new IllegalStateException("session " + callId + " has ended"));
                }
                try {
                    return operation.get();
                } catch (RuntimeException e) {
                    return Future.failedFuture(e);
                }
            });
            tail = next;
            next.onComplete(result);
        });
        return result.future();
    }

    // ---------------------------------------------------------------- setup

    /**
     * Takes both legs' sockets from the loop's pool, at once on the session's loop (no future per socket). On
     * failure the legs keep what they got; the caller ends the session, which gives it back.
     */
    Future<Void> allocate() {
        try {
            allocateLeg(caller);
            allocateLeg(callee);
            return Future.succeededFuture();
        } catch (IllegalStateException e) {
            return Future.failedFuture(e);
        }
    }

    private void allocateLeg(MediaLeg leg) {
        if (leg.type() == LegType.BROWSER) {
            leg.ice = new IceLiteAgent(System::currentTimeMillis);
        }
        boolean pair = leg.type() == LegType.PLAIN;
        SocketPool.Sockets sockets = socketPool.acquire(pair, (data, sender) -> onRtpPacket(leg, data, sender),
                pair ? (data, sender) -> onRtcpPacket(leg, data, sender) : null);
        if (sockets == null) {
            throw new IllegalStateException("no free media port in " + relay.config().minPort() + "-"
                    + relay.config().maxPort());
        }
        leg.sockets = sockets;
        leg.rtpSocket = sockets.rtp;
        leg.rtcpSocket = sockets.rtcp;
        leg.rtpPort = sockets.rtp.port();
        leg.rtcpPort = pair ? sockets.rtcp.port() : leg.rtpPort;
    }

    // ---------------------------------------------------------------- offer / answer

    /** Applies an offer from the endpoint on {@code source}'s side and returns the SDP for the other side. */
    String applyOffer(boolean fromCaller, SessionDescription sdp, LegOptions forRecipient) {
        MediaLeg source = fromCaller ? caller : callee;
        MediaLeg target = fromCaller ? callee : caller;
        checkLegType(source, sdp);
        learnPeer(source, sdp, true);
        touch(); // signalling is activity: a re-INVITE restarts the inactivity clock
        target.setAdvertisedAddress(forRecipient.advertisedAddress());
        offerer = source;
        if (source.type() == LegType.BROWSER && !passthrough()) {
            // We answer the browser's offer: its a=setup decides our role (actpass -> we are passive/server).
            source.dtlsRole = DtlsRole.fromPeerSetup(source.peerSetup);
        }
        return SdpRewriter.rewrite(sdp, source.type(), target, true, passthrough(), relay.fingerprintAttribute(),
                forRecipient.codecs());
    }

    /** Applies an answer (183 or 200; may repeat) to the last offer and returns the SDP for the offerer. */
    String applyAnswer(SessionDescription sdp, String answerToTag, LegOptions forOfferer) {
        MediaLeg source = offerer == caller ? callee : caller;
        MediaLeg target = offerer;
        if (answerToTag != null && toTag == null) {
            toTag = answerToTag;
        }
        checkLegType(source, sdp);
        learnPeer(source, sdp, false);
        touch(); // the media timeout counts from the answer, not from the offer the callee rang on
        answered = true;
        target.setAdvertisedAddress(forOfferer.advertisedAddress());
        String out = SdpRewriter.rewrite(sdp, source.type(), target, false, passthrough(),
                relay.fingerprintAttribute());
        if (!passthrough()) {
            startDtls(source);
            startDtls(target);
        }
        return out;
    }

    String toTag() {
        return toTag;
    }

    private static void checkLegType(MediaLeg leg, SessionDescription sdp) {
        boolean browser = SdpRewriter.isBrowserSdp(sdp);
        if (browser != (leg.type() == LegType.BROWSER)) {
            throw new SdpParseException("the " + leg.label + " leg is " + leg.type() + " but its SDP is "
                    + (browser ? "WebRTC (ICE + DTLS-SRTP)" : "plain RTP"));
        }
    }

    private void learnPeer(MediaLeg leg, SessionDescription sdp, boolean isOffer) {
        MediaDescription audio = sdp.audio();
        if (audio == null) {
            throw new SdpParseException("SDP has no audio section");
        }
        leg.peerDirection = sdp.directionOf(audio);
        if (leg.type() == LegType.PLAIN) {
            Connection c = sdp.connectionFor(audio);
            if (c == null) {
                throw new SdpParseException("SDP has no c= line for audio");
            }
            String host = c.host();
            // RFC 3264 8.4: a c= of 0.0.0.0 (old-style hold) or port 0 means "send nothing".
            boolean noMedia = audio.port() == 0 || host.equals("0.0.0.0") || host.equals("::");
            InetSocketAddress rtp = noMedia ? null : numericAddress(host, audio.port());
            Integer rtcpPort = audio.rtcpPort();
            String rtcpHost = audio.rtcpAddress() != null ? audio.rtcpAddress() : host;
            InetSocketAddress rtcp = noMedia ? null : numericAddress(rtcpHost,
                    rtcpPort != null ? rtcpPort : audio.port() + 1);
            if (leg.sdpRtp != null && !leg.sdpRtp.equals(rtp)) {
                // The phone moved its media (re-INVITE): learn its source again.
                leg.latchedRtp = null;
                leg.latchedRtcp = null;
            }
            leg.sdpRtp = rtp;
            leg.sdpRtcp = rtcp;
            return;
        }
        String ufrag = sdp.attributeFor(audio, "ice-ufrag");
        if (ufrag == null || sdp.attributeFor(audio, "ice-pwd") == null) {
            throw new SdpParseException("WebRTC SDP without ice-ufrag/ice-pwd");
        }
        if (leg.ice.remoteUfrag() != null && !leg.ice.remoteUfrag().equals(ufrag)) {
            leg.ice.restart(ufrag); // RFC 8445 9: new ufrag = ICE restart; we answer with new credentials too
        } else {
            leg.ice.setRemoteUfrag(ufrag);
        }
        Fingerprint fingerprint = sdp.fingerprintFor(audio);
        if (fingerprint == null) {
            throw new SdpParseException("WebRTC SDP without a=fingerprint");
        }
        if (!passthrough() && leg.peerFingerprint != null && !leg.peerFingerprint.matches(fingerprint)) {
            // New certificate means a new DTLS association (RFC 5763 section 6.6).
            resetDtls(leg);
        }
        leg.peerFingerprint = fingerprint;
        leg.peerSetup = sdp.attributeFor(audio, "setup");
        leg.peerBundles = sdp.attributes("group").stream().anyMatch(g -> g.startsWith("BUNDLE"));
        if (!isOffer && !passthrough()) {
            // The browser answered our actpass offer: active -> we are server, passive -> we are client.
            if ("actpass".equals(leg.peerSetup)) {
                throw new SdpParseException("a=setup:actpass is not allowed in an answer (RFC 5763 section 5)");
            }
            DtlsRole role = DtlsRole.fromPeerSetup(leg.peerSetup);
            if (leg.dtls != null && leg.dtls.role() != role) {
                resetDtls(leg);
            }
            leg.dtlsRole = role;
        }
    }

    private void resetDtls(MediaLeg leg) {
        if (leg.dtls != null) {
            leg.dtls.close();
            leg.dtls = null;
        }
        if (leg.srtp != null) {
            leg.srtp.close();
            leg.srtp = null;
        }
    }

    private void startDtls(MediaLeg leg) {
        if (leg.type() != LegType.BROWSER || leg.dtls != null || leg.peerFingerprint == null || ended) {
            return;
        }
        DtlsSrtpEndpoint[] holder = new DtlsSrtpEndpoint[1];
        DtlsSrtpEndpoint endpoint = new DtlsSrtpEndpoint(leg.dtlsRole, relay.certificate(), leg.peerFingerprint,
                relay.dtlsExecutor(callId), relay.config().dtlsHandshakeTimeout(), bytes -> context.runOnContext(v -> {
                    if (leg.dtls == holder[0]) {
                        leg.sendRaw(bytes, leg.latchedRtp);
                    }
                }));
        holder[0] = endpoint;
        leg.dtls = endpoint;
        endpoint.keys().whenComplete((keys, error) -> context.runOnContext(v -> {
            if (leg.dtls != endpoint || ended) {
                return; // replaced or closed meanwhile
            }
            if (error != null) {
                LOG.info("call {}: DTLS on {} leg failed: {}", callId, leg.label, error.getMessage());
                end(EndReason.DTLS_FAILED);
                return;
            }
            leg.srtp = new SrtpTransformer(keys);
            LOG.debug("call {}: DTLS-SRTP ready on {} leg ({})", callId, leg.label, keys.profile());
        }));
        ArrayDeque<byte[]> early = leg == caller ? earlyDtlsCaller : earlyDtlsCallee;
        while (!early.isEmpty()) {
            endpoint.receive(early.poll());
        }
        // As server the endpoint starts by itself on the peer's ClientHello (no thread waits for a silent peer);
        // as client we need to know where to send the ClientHello: wait for the first valid ICE check.
        if (leg.dtlsRole == DtlsRole.CLIENT && leg.latchedRtp != null) {
            endpoint.start();
        }
    }

    // ---------------------------------------------------------------- packets

    private void onRtpPacket(MediaLeg leg, ByteBuf data, InetSocketAddress source) {
        if (ended) {
            return;
        }
        int length = data.readableBytes();
        int start = data.readerIndex();
        PacketKind kind = PacketKind.classify(length, length < 1 ? -1 : data.getUnsignedByte(start),
                length < 2 ? -1 : data.getUnsignedByte(start + 1));
        switch (kind) {
            case STUN -> onStun(leg, ByteBufUtil.getBytes(data), source);
            case DTLS -> onDtls(leg, ByteBufUtil.getBytes(data));
            case RTP -> onMedia(leg, data, source, false);
            case RTCP -> onMedia(leg, data, source, true);
            default -> leg.dropped++;
        }
    }

    private void onRtcpPacket(MediaLeg leg, ByteBuf data, InetSocketAddress source) {
        if (ended) {
            return;
        }
        int length = data.readableBytes();
        int start = data.readerIndex();
        if (length >= 2 && PacketKind.classify(length, data.getUnsignedByte(start), data.getUnsignedByte(start + 1))
                == PacketKind.RTCP) {
            onMedia(leg, data, source, true);
        } else {
            leg.dropped++;
        }
    }

    private void onStun(MediaLeg leg, byte[] data, InetSocketAddress source) {
        if (leg.ice == null) {
            leg.dropped++;
            return;
        }
        IceLiteAgent.CheckResult result = leg.ice.handle(data, 0, data.length, source);
        if (result.response() != null) {
            leg.sendRaw(result.response(), source);
        }
        if (!result.valid()) {
            return;
        }
        touch();
        if (result.latchChanged()) {
            leg.latchedRtp = source;
            if (leg.dtls != null && leg.dtls.role() == DtlsRole.CLIENT) {
                leg.dtls.start();
            }
        }
    }

    private void onDtls(MediaLeg leg, byte[] data) {
        if (leg.type() != LegType.BROWSER) {
            leg.dropped++;
            return;
        }
        touch();
        if (passthrough()) {
            MediaLeg other = other(leg);
            if (other.latchedRtp == null) {
                other.dropped++;
            } else {
                other.sendRaw(data, other.latchedRtp); // end-to-end DTLS: bytes unchanged
            }
            return;
        }
        if (leg.dtls != null) {
            leg.dtls.receive(data);
        } else {
            ArrayDeque<byte[]> early = leg == caller ? earlyDtlsCaller : earlyDtlsCallee;
            if (early.size() < MAX_EARLY_DTLS) {
                early.add(data);
            }
        }
    }

    /**
     * Forwards one RTP or RTCP packet from {@code leg}'s peer to the other leg's peer. {@code data} belongs to the
     * socket (released after this returns): it is retained when forwarded unchanged, copied only where SRTP is
     * terminated.
     */
    private void onMedia(MediaLeg leg, ByteBuf data, InetSocketAddress source, boolean rtcp) {
        if (leg.type() == LegType.BROWSER) {
            // Media is accepted only from the address ICE verified (RFC 7675 consent).
            if (leg.latchedRtp == null || !leg.latchedRtp.equals(source)) {
                leg.dropped++;
                return;
            }
        } else if (rtcp) {
            if (leg.latchedRtcp == null) {
                leg.latchedRtcp = source; // symmetric RTCP
            }
        } else if (leg.latchedRtp == null) {
            leg.latchedRtp = source; // symmetric RTP: answer to where the phone really sends from
        }
        touch();
        int length = data.readableBytes();
        if (rtcp) {
            leg.rtcpIn++;
        } else {
            leg.packetsIn++;
        }
        leg.bytesIn += length;

        MediaLeg other = other(leg);
        boolean decrypt = leg.type() == LegType.BROWSER && !passthrough();
        boolean encrypt = other.type() == LegType.BROWSER && !passthrough();
        if (!decrypt && !encrypt) {
            // Plain to plain or browser to browser (SRTP passes through): the same bytes go out.
            if (rtcp && leg.type() == LegType.PLAIN) {
                keepReport(leg, ByteBufUtil.getBytes(data));
            }
            if (rtcp) {
                other.sendRtcp(data.retain());
            } else {
                other.sendRtp(data.retain());
            }
            return;
        }
        byte[] plain = ByteBufUtil.getBytes(data);
        if (decrypt) {
            if (leg.srtp == null) {
                leg.dropped++;
                return;
            }
            plain = rtcp ? leg.srtp.unprotectRtcp(plain, 0, length) : leg.srtp.unprotectRtp(plain, 0, length);
            if (plain == null) {
                leg.dropped++;
                return;
            }
        }
        if (rtcp) {
            keepReport(leg, plain);
        }
        byte[] out = plain;
        if (encrypt) {
            if (other.srtp == null) {
                other.dropped++;
                return;
            }
            out = rtcp ? other.srtp.protectRtcp(plain, 0, plain.length) : other.srtp.protectRtp(plain, 0, plain.length);
            if (out == null) {
                other.dropped++;
                return;
            }
        }
        if (rtcp) {
            other.sendRtcp(Unpooled.wrappedBuffer(out));
        } else {
            other.sendRtp(Unpooled.wrappedBuffer(out));
        }
    }

    /** Keeps the last RTCP report block a leg's peer sent (loss, jitter for the call's statistics). */
    private static void keepReport(MediaLeg leg, byte[] plainRtcp) {
        List<RtcpReportBlock> blocks = RtcpParser.reportBlocks(plainRtcp, 0, plainRtcp.length);
        if (!blocks.isEmpty()) {
            leg.lastReport = blocks.get(blocks.size() - 1);
        }
    }

    private MediaLeg other(MediaLeg leg) {
        return leg == caller ? callee : caller;
    }

    private void touch() {
        lastActivityMillis = System.currentTimeMillis();
    }

    /**
     * The peer address of an SDP c= line. Only IP literals: a host name would need a DNS lookup, which must not
     * block the event loop, and phones put their address there anyway.
     */
    private static InetSocketAddress numericAddress(String host, int port) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            throw new SdpParseException("SDP connection address is not an IP address: " + host);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new SdpParseException("bad SDP connection address " + host);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    boolean onHold() {
        return caller.peerDirection != Direction.SENDRECV || callee.peerDirection != Direction.SENDRECV;
    }

    /**
     * Called periodically by the relay; ends the session on inactivity or lost ICE consent. A session still waiting
     * for its answer (the callee rings) gets the hold timeout, like a call on hold: no media is expected yet, and
     * the proxy deletes it when the call fails or is cancelled; the hold timeout only catches a leaked session.
     */
    void checkTimeouts(long nowMillis) {
        context.runOnContext(v -> {
            if (ended) {
                return;
            }
            boolean silenceExpected = !answered || onHold();
            long timeout = (silenceExpected ? relay.config().holdInactivityTimeout()
                    : relay.config().inactivityTimeout()).toMillis();
            if (nowMillis - lastActivityMillis >= timeout) {
                end(EndReason.INACTIVITY);
                return;
            }
            for (MediaLeg leg : new MediaLeg[] {caller, callee}) {
                if (leg.ice != null && leg.ice.consentExpired(nowMillis)) {
                    end(EndReason.CONSENT_LOST);
                    return;
                }
            }
        });
    }

    /**
     * Ends the session on its context; the listener is told unless {@code reason} is null (explicit delete).
     * Completes with the final statistics once the sockets are given back, with null when it had already ended.
     */
    Future<SessionStatistics> end(EndReason reason) {
        Promise<SessionStatistics> done = Promise.promise();
        context.runOnContext(v -> {
            if (ended) {
                done.complete(null);
                return;
            }
            ended = true;
            SessionStatistics last = statistics();
            relay.forget(this);
            for (MediaLeg leg : new MediaLeg[] {caller, callee}) {
                resetDtls(leg);
            }
            earlyDtlsCaller.clear();
            earlyDtlsCallee.clear();
            for (MediaLeg leg : new MediaLeg[] {caller, callee}) {
                if (leg.sockets != null) {
                    // From here on packets to these ports reach the pool, not this session, and the session
                    // cannot send through them: a later call may own them.
                    socketPool.release(leg.sockets);
                    leg.sockets = null;
                    leg.rtpSocket = null;
                    leg.rtcpSocket = null;
                }
            }
            done.complete(last);
            if (reason != null) {
                LOG.info("call {}: media session ended: {}", callId, reason);
                try {
                    relay.config().endListener().sessionEnded(callId, reason, last);
                } catch (RuntimeException e) {
                    LOG.warn("session end listener failed for call {}", callId, e);
                }
            }
        });
        return done.future();
    }

    /** The statistics, computed on the session's loop (the counters are plain fields written there). */
    Future<SessionStatistics> statisticsOnContext() {
        Promise<SessionStatistics> result = Promise.promise();
        context.runOnContext(v -> result.complete(statistics()));
        return result.future();
    }

    private SessionStatistics statistics() {
        return new SessionStatistics(callId, fromTag, toTag, mode, onHold(), created,
                Instant.ofEpochMilli(lastActivityMillis), caller.statistics(), callee.statistics());
    }
}
