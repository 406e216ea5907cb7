package one.webph.media.sdp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** One {@code m=} section: {@code m=<media> <port>[/<count>] <proto> <fmt> ...} plus its lines. */
public final class MediaDescription extends SdpSection {
    private String media;
    private int port;
    private Integer portCount;
    private String proto;
    private final List<String> formats = new ArrayList<>();

    MediaDescription(String mLineValue) {
        String[] p = SdpText.fields(mLineValue);
        if (p.length < 3) {
            throw new SdpParseException("m= line needs media, port and proto: " + mLineValue);
        }
        media = p[0];
        try {
            int slash = p[1].indexOf('/');
            if (slash >= 0) {
                port = Integer.parseInt(p[1].substring(0, slash));
                portCount = Integer.parseInt(p[1].substring(slash + 1));
            } else {
                port = Integer.parseInt(p[1]);
            }
        } catch (NumberFormatException e) {
            throw new SdpParseException("bad m= port: " + mLineValue);
        }
        if (port < 0 || port > 65535) {
            throw new SdpParseException("m= port out of range: " + mLineValue);
        }
        proto = p[2];
        for (int i = 3; i < p.length; i++) {
            formats.add(p[i]);
        }
    }

    public String media() {
        return media;
    }

    public int port() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String proto() {
        return proto;
    }

    public void setProto(String proto) {
        this.proto = proto;
    }

    /** True for DTLS-SRTP profiles (UDP/TLS/RTP/SAVP[F]) as used by browsers. */
    public boolean isDtlsSrtp() {
        return proto.toUpperCase().startsWith("UDP/TLS/RTP/SAVP");
    }

    public boolean isRtp() {
        return proto.toUpperCase().contains("RTP/");
    }

    /** Payload formats in preference order (mutable view). */
    public List<String> formats() {
        return formats;
    }

    public List<Integer> payloadTypes() {
        List<Integer> pts = new ArrayList<>();
        for (String f : formats) {
            try {
                pts.add(Integer.parseInt(f));
            } catch (NumberFormatException ignored) {
                // non-RTP format token
            }
        }
        return pts;
    }

    public List<Rtpmap> rtpmaps() {
        List<Rtpmap> maps = new ArrayList<>();
        for (String v : attributes("rtpmap")) {
            maps.add(Rtpmap.parse(v));
        }
        return maps;
    }

    /** The rtpmap of a payload type, or the RFC 3551 static mapping for 0 (PCMU), 8 (PCMA), 9 (G722), 18 (G729). */
    public Rtpmap rtpmap(int payloadType) {
        for (Rtpmap m : rtpmaps()) {
            if (m.payloadType() == payloadType) {
                return m;
            }
        }
        return switch (payloadType) {
            case 0 -> new Rtpmap(0, "PCMU", 8000, null);
            case 3 -> new Rtpmap(3, "GSM", 8000, null);
            case 8 -> new Rtpmap(8, "PCMA", 8000, null);
            case 9 -> new Rtpmap(9, "G722", 8000, null);
            case 18 -> new Rtpmap(18, "G729", 8000, null);
            default -> null;
        };
    }

    public String fmtp(int payloadType) {
        String prefix = payloadType + " ";
        for (String v : attributes("fmtp")) {
            if (v.startsWith(prefix)) {
                return v.substring(prefix.length());
            }
        }
        return null;
    }

    /**
     * Keeps only the given payload types (in their existing order) and drops the rtpmap/fmtp/rtcp-fb lines of the
     * removed ones.
     */
    public void retainPayloadTypes(Collection<Integer> keep) {
        Set<String> kept = new java.util.HashSet<>();
        for (Integer k : keep) {
            kept.add(String.valueOf(k));
        }
        formats.removeIf(f -> !kept.contains(f));
        removeLines(l -> {
            if (l.type() != 'a') {
                return false;
            }
            String name = l.attributeName();
            if (!name.equals("rtpmap") && !name.equals("fmtp") && !name.equals("rtcp-fb")) {
                return false;
            }
            String v = l.attributeValue();
            if (v == null) {
                return false;
            }
            int space = v.indexOf(' ');
            String pt = space < 0 ? v : v.substring(0, space);
            return !pt.equals("*") && !kept.contains(pt);
        });
    }

    public List<Candidate> candidates() {
        List<Candidate> list = new ArrayList<>();
        for (String v : attributes("candidate")) {
            list.add(Candidate.parse(v));
        }
        return list;
    }

    public String iceUfrag() {
        return attribute("ice-ufrag");
    }

    public String icePwd() {
        return attribute("ice-pwd");
    }

    public String setup() {
        return attribute("setup");
    }

    public String mid() {
        return attribute("mid");
    }

    public boolean rtcpMux() {
        return hasAttribute("rtcp-mux");
    }

    public Integer ptime() {
        String v = attribute("ptime");
        try {
            return v == null ? null : Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw new SdpParseException("bad ptime: " + v);
        }
    }

    /** {@code a=rtcp:<port> [IN IP4 <addr>]} (RFC 3605): port, or null when absent. */
    public Integer rtcpPort() {
        String v = attribute("rtcp");
        if (v == null) {
            return null;
        }
        try {
            return Integer.valueOf(SdpText.fields(v)[0]);
        } catch (NumberFormatException e) {
            throw new SdpParseException("bad a=rtcp: " + v);
        }
    }

    /** Address of {@code a=rtcp:<port> IN IP4 <addr>}, or null. */
    public String rtcpAddress() {
        String v = attribute("rtcp");
        if (v == null) {
            return null;
        }
        String[] p = SdpText.fields(v);
        return p.length >= 4 ? p[3] : null;
    }

    /** SSRC ids named in {@code a=ssrc:} lines, in order, without duplicates. */
    public List<Long> ssrcs() {
        List<Long> ids = new ArrayList<>();
        for (String v : attributes("ssrc")) {
            try {
                long id = Long.parseLong(v.split(" ", 2)[0]);
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            } catch (NumberFormatException e) {
                throw new SdpParseException("bad a=ssrc: " + v);
            }
        }
        return ids;
    }

    @Override
    protected int insertIndexFor(char type) {
        // m-section order: i c b k a
        return indexAfterLast("icbka", type);
    }

    public String mLine() {
        StringBuilder sb = new StringBuilder();
        sb.append(media).append(' ').append(port);
        if (portCount != null) {
            sb.append('/').append(portCount);
        }
        sb.append(' ').append(proto);
        for (String f : formats) {
            sb.append(' ').append(f);
        }
        return sb.toString();
    }

    void appendTo(StringBuilder sb) {
        sb.append("m=").append(mLine()).append("\r\n");
        for (SdpLine l : lines) {
            sb.append(l).append("\r\n");
        }
    }

    MediaDescription copy() {
        MediaDescription m = new MediaDescription(mLine());
        m.lines.addAll(lines);
        return m;
    }
}
