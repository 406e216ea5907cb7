package one.webph.media.ng;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import one.webph.media.relay.LegStatistics;
import one.webph.media.relay.LegType;
import one.webph.media.relay.RelayMode;
import one.webph.media.relay.SessionStatistics;

/**
 * The NG dictionary keys and values both ends agree on: how the media flags of an offer map to a {@link LegType},
 * and how session statistics are laid out in a query/delete reply (RTPEngine's layout, so {@link NgClient} reads
 * RTPEngine's replies and ours the same way).
 */
final class NgMessages {
    static final String PROTO_PLAIN = "RTP/AVP";
    static final String PROTO_WEBRTC = "UDP/TLS/RTP/SAVPF";

    private NgMessages() {
    }

    // ---------------------------------------------------------------- offer flags -> leg kind

    /**
     * The kind of endpoint the offer's recipient is, from the flags RTPEngine users set for it:
     * {@code transport-protocol}, {@code ICE} (force/remove), {@code DTLS} (off; passive/active only pick a role),
     * {@code rtcp-mux} (offer/require vs demux), also in the legacy form of items of the {@code flags} list
     * ("ICE=remove", "RTP/AVP", "rtcp-mux-demux"). Null when no flag says anything (same kind as the offerer).
     *
     * @throws IllegalArgumentException for unsupported values (SDES RTP/SAVP) or flags that contradict each other
     */
    static LegType recipientType(Map<String, Object> message) {
        LegType[] vote = new LegType[1];
        String[] because = new String[1];
        String proto = optionalString(message, "transport-protocol");
        String ice = optionalString(message, "ICE");
        String dtls = optionalString(message, "DTLS");
        List<String> rtcpMux = stringList(message, "rtcp-mux");
        for (String flag : stringList(message, "flags")) {
            String f = flag.trim();
            int eq = f.indexOf('=');
            String key = eq < 0 ? f : f.substring(0, eq);
            String value = eq < 0 ? "" : f.substring(eq + 1);
            switch (key.toUpperCase(Locale.ROOT)) {
                case "ICE" -> ice = ice == null ? value : ice;
                case "DTLS" -> dtls = dtls == null ? value : dtls;
                case "TRANSPORT-PROTOCOL" -> proto = proto == null ? value : proto;
                default -> {
                    if (f.equalsIgnoreCase(PROTO_PLAIN) || f.equalsIgnoreCase(PROTO_WEBRTC)
                            || f.equalsIgnoreCase("RTP/AVPF") || f.equalsIgnoreCase("UDP/TLS/RTP/SAVP")
                            || f.equalsIgnoreCase("RTP/SAVP") || f.equalsIgnoreCase("RTP/SAVPF")) {
                        proto = proto == null ? f : proto;
                    } else if (f.toLowerCase(Locale.ROOT).startsWith("rtcp-mux-")) {
                        rtcpMux = new ArrayList<>(rtcpMux);
                        rtcpMux.add(f.substring("rtcp-mux-".length()));
                    }
                    // other flags (trust-address, SIP-source-address, ...) do not change the leg kind
                }
            }
        }
        if (proto != null) {
            switch (proto.toUpperCase(Locale.ROOT)) {
                case "RTP/AVP", "RTP/AVPF" -> vote(vote, because, LegType.PLAIN, "transport-protocol " + proto);
                case "UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVP" ->
                        vote(vote, because, LegType.BROWSER, "transport-protocol " + proto);
                case "RTP/SAVP", "RTP/SAVPF" -> throw new IllegalArgumentException(
                        "transport-protocol " + proto + " (SDES-SRTP) is not supported; use RTP/AVP or "
                                + PROTO_WEBRTC);
                default -> throw new IllegalArgumentException("unknown transport-protocol " + proto);
            }
        }
        if (ice != null) {
            switch (ice.toLowerCase(Locale.ROOT)) {
                case "force", "force-relay" -> vote(vote, because, LegType.BROWSER, "ICE=" + ice);
                case "remove" -> vote(vote, because, LegType.PLAIN, "ICE=" + ice);
                case "default", "optional", "" -> { }
                default -> throw new IllegalArgumentException("unsupported ICE option " + ice);
            }
        }
        if (dtls != null) {
            switch (dtls.toLowerCase(Locale.ROOT)) {
                case "off", "no", "disable" -> vote(vote, because, LegType.PLAIN, "DTLS=" + dtls);
                // Our DTLS role follows the browser's a=setup (we answer passive to actpass, like --dtls-passive).
                case "passive", "active", "" -> { }
                default -> throw new IllegalArgumentException("unsupported DTLS option " + dtls);
            }
        }
        for (String mux : rtcpMux) {
            switch (mux.toLowerCase(Locale.ROOT)) {
                case "offer", "require" -> vote(vote, because, LegType.BROWSER, "rtcp-mux " + mux);
                case "demux" -> vote(vote, because, LegType.PLAIN, "rtcp-mux " + mux);
                case "accept", "reject" -> { }
                default -> throw new IllegalArgumentException("unsupported rtcp-mux option " + mux);
            }
        }
        return vote[0];
    }

    private static void vote(LegType[] vote, String[] because, LegType type, String reason) {
        if (vote[0] != null && vote[0] != type) {
            throw new IllegalArgumentException("conflicting flags: " + because[0] + " asks for a " + vote[0]
                    + " leg but " + reason + " for a " + type + " leg");
        }
        vote[0] = type;
        because[0] = reason;
    }

    /** The NG flags asking for a recipient of the given kind (RTPEngine understands the same ones). */
    static void putRecipientFlags(Map<String, Object> message, LegType type) {
        if (type == LegType.PLAIN) {
            message.put("transport-protocol", PROTO_PLAIN);
            message.put("ICE", "remove");
            message.put("DTLS", "off");
            message.put("rtcp-mux", List.of("demux"));
        } else if (type == LegType.BROWSER) {
            message.put("transport-protocol", PROTO_WEBRTC);
            message.put("ICE", "force");
            message.put("rtcp-mux", List.of("offer"));
        }
    }

    // ---------------------------------------------------------------- generic access

    static String optionalString(Map<String, Object> message, String key) {
        Object v = message.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("'" + key + "' must be a string");
    }

    static String requiredString(Map<String, Object> message, String key, String missing) {
        String v = optionalString(message, key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(missing);
        }
        return v;
    }

    /** A list of strings, or a single string taken as a one-element list (peers send both forms). */
    static List<String> stringList(Map<String, Object> message, String key) {
        Object v = message.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("'" + key + "' must be a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException("'" + key + "' must be a list of strings");
    }

    // ---------------------------------------------------------------- statistics <-> query reply

    /** Lays out a session like RTPEngine's query reply: tags -> medias -> streams (RTP, then RTCP) -> stats. */
    static Map<String, Object> statisticsReply(SessionStatistics s) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("created", s.created().getEpochSecond());
        reply.put("created_us", (long) s.created().getNano() / 1000);
        reply.put("last signal", s.created().getEpochSecond());
        reply.put("last packet", s.lastActivity().getEpochSecond());
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put(s.fromTag(), tagEntry(s.fromTag(), s.caller(), s));
        String toTag = s.toTag() != null ? s.toTag() : "";
        tags.put(toTag, tagEntry(toTag, s.callee(), s));
        reply.put("tags", tags);
        reply.put("totals", Map.of(
                "RTP", stats(s.caller().packetsIn() + s.callee().packetsIn(),
                        s.caller().bytesIn() + s.callee().bytesIn(), s.caller().dropped() + s.callee().dropped()),
                "RTCP", stats(s.caller().rtcpPacketsIn() + s.callee().rtcpPacketsIn(), 0, 0)));
        reply.put("mode", s.mode().name());
        reply.put("on hold", s.onHold() ? 1L : 0L);
        return reply;
    }

    private static Map<String, Object> tagEntry(String tag, LegStatistics leg, SessionStatistics s) {
        Map<String, Object> rtp = new LinkedHashMap<>();
        rtp.put("local port", (long) leg.localRtpPort());
        putEndpoint(rtp, leg.peerAddress());
        rtp.put("last packet", s.lastActivity().getEpochSecond());
        rtp.put("flags", List.of("RTP"));
        rtp.put("stats", stats(leg.packetsIn(), leg.bytesIn(), leg.dropped()));
        rtp.put("stats_out", stats(leg.packetsOut(), leg.bytesOut(), 0));
        if (leg.fractionLost() != null) {
            rtp.put("rtcp report", Map.of("fraction lost", (long) leg.fractionLost(),
                    "cumulative lost", (long) leg.cumulativeLost(), "jitter", leg.jitter()));
        }
        rtp.put("srtp ready", leg.srtpReady() ? 1L : 0L);
        List<Object> streams = new ArrayList<>();
        streams.add(rtp);
        Map<String, Object> rtcp = new LinkedHashMap<>();
        rtcp.put("local port", (long) (leg.localRtcpPort() != null ? leg.localRtcpPort() : leg.localRtpPort()));
        rtcp.put("flags", List.of("RTCP"));
        rtcp.put("stats", stats(leg.rtcpPacketsIn(), 0, 0));
        rtcp.put("stats_out", stats(leg.rtcpPacketsOut(), 0, 0));
        streams.add(rtcp);
        Map<String, Object> media = new LinkedHashMap<>();
        media.put("index", 1L);
        media.put("type", "audio");
        media.put("protocol", leg.type() == LegType.BROWSER ? PROTO_WEBRTC : PROTO_PLAIN);
        media.put("streams", streams);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("tag", tag);
        entry.put("created", s.created().getEpochSecond());
        entry.put("medias", List.of(media));
        return entry;
    }

    private static void putEndpoint(Map<String, Object> stream, String hostPort) {
        if (hostPort == null) {
            return;
        }
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        stream.put("endpoint", Map.of("family", host.contains(":") ? "IPv6" : "IPv4", "address", host,
                "port", Long.parseLong(hostPort.substring(colon + 1))));
    }

    private static Map<String, Object> stats(long packets, long bytes, long errors) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("packets", packets);
        m.put("bytes", bytes);
        m.put("errors", errors);
        return m;
    }

    /**
     * Reads a query reply (ours or RTPEngine's) back into statistics. The caller's leg is the tag {@code fromTag}
     * (or the first tag when unknown), the callee's the other one. Counters RTPEngine does not report per leg
     * (packets out) are taken from what the opposite leg received; loss/jitter only when the relay reports them.
     */
    static SessionStatistics parseStatistics(String callId, String fromTag, Map<String, Object> reply) {
        Map<String, Object> tags = dict(reply.get("tags"));
        String callerTag = fromTag != null && tags.containsKey(fromTag) ? fromTag
                : tags.keySet().stream().findFirst().orElse(null);
        String calleeTag = tags.keySet().stream().filter(t -> !t.equals(callerTag)).findFirst().orElse(null);
        ParsedLeg caller = parseLeg("caller", callerTag == null ? Map.of() : dict(tags.get(callerTag)));
        ParsedLeg callee = parseLeg("callee", calleeTag == null ? Map.of() : dict(tags.get(calleeTag)));
        long created = number(reply.get("created"));
        long createdMicros = number(reply.get("created_us"));
        long lastPacket = Math.max(number(reply.get("last packet")), Math.max(caller.lastPacket, callee.lastPacket));
        Object onHold = reply.get("on hold");
        return new SessionStatistics(callId, callerTag, calleeTag == null || calleeTag.isEmpty() ? null : calleeTag,
                RelayMode.valueOf(caller.type.name() + "_" + callee.type.name()),
                onHold != null && number(onHold) != 0,
                Instant.ofEpochSecond(created, createdMicros * 1000),
                Instant.ofEpochSecond(Math.max(lastPacket, created)),
                caller.toStatistics(callee), callee.toStatistics(caller));
    }

    private static final class ParsedLeg {
        String label;
        LegType type = LegType.PLAIN;
        int rtpPort;
        Integer rtcpPort;
        String peer;
        long packetsIn;
        long bytesIn;
        long errors;
        long rtcpIn;
        Long packetsOut;
        Long bytesOut;
        Long rtcpOut;
        long lastPacket;
        Integer fractionLost;
        Integer cumulativeLost;
        Long jitter;
        boolean srtpReady;

        LegStatistics toStatistics(ParsedLeg other) {
            return new LegStatistics(label, type, rtpPort, rtcpPort, peer, packetsIn, bytesIn,
                    packetsOut != null ? packetsOut : other.packetsIn, bytesOut != null ? bytesOut : other.bytesIn,
                    rtcpIn, rtcpOut != null ? rtcpOut : other.rtcpIn, errors, fractionLost, cumulativeLost, jitter,
                    srtpReady);
        }
    }

    private static ParsedLeg parseLeg(String label, Map<String, Object> tag) {
        ParsedLeg leg = new ParsedLeg();
        leg.label = label;
        Object medias = tag.get("medias");
        if (!(medias instanceof List<?> list) || list.isEmpty()) {
            return leg;
        }
        Map<String, Object> media = dict(list.get(0));
        String protocol = media.get("protocol") instanceof String p ? p : PROTO_PLAIN;
        leg.type = protocol.contains("SAVP") ? LegType.BROWSER : LegType.PLAIN;
        Object streams = media.get("streams");
        if (!(streams instanceof List<?> streamList)) {
            return leg;
        }
        for (Object o : streamList) {
            Map<String, Object> stream = dict(o);
            boolean rtcp = stream.get("flags") instanceof List<?> flags && flags.contains("RTCP")
                    && !flags.contains("RTP");
            Map<String, Object> stats = dict(stream.get("stats"));
            Map<String, Object> out = stream.containsKey("stats_out") ? dict(stream.get("stats_out")) : null;
            leg.lastPacket = Math.max(leg.lastPacket, number(stream.get("last packet")));
            if (rtcp) {
                leg.rtcpIn += number(stats.get("packets"));
                leg.bytesIn += number(stats.get("bytes"));
                leg.rtcpPort = (int) number(stream.get("local port"));
                if (out != null) {
                    leg.rtcpOut = (leg.rtcpOut == null ? 0 : leg.rtcpOut) + number(out.get("packets"));
                }
                continue;
            }
            leg.rtpPort = (int) number(stream.get("local port"));
            leg.packetsIn += number(stats.get("packets"));
            leg.bytesIn += number(stats.get("bytes"));
            leg.errors += number(stats.get("errors"));
            if (out != null) {
                leg.packetsOut = number(out.get("packets"));
                leg.bytesOut = number(out.get("bytes"));
            }
            Map<String, Object> endpoint = dict(stream.get("endpoint"));
            if (endpoint.get("address") instanceof String address) {
                leg.peer = address + ":" + number(endpoint.get("port"));
            }
            Map<String, Object> report = dict(stream.get("rtcp report"));
            if (!report.isEmpty()) {
                leg.fractionLost = (int) number(report.get("fraction lost"));
                leg.cumulativeLost = (int) number(report.get("cumulative lost"));
                leg.jitter = number(report.get("jitter"));
            }
            leg.srtpReady = number(stream.get("srtp ready")) != 0;
        }
        if (leg.type == LegType.BROWSER && leg.rtcpPort != null && leg.rtcpPort == leg.rtpPort) {
            leg.rtcpPort = null; // rtcp-mux: RTCP shares the RTP port
        }
        return leg;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dict(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static long number(Object o) {
        return o instanceof Long l ? l : 0L;
    }
}
