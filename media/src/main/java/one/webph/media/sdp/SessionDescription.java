package one.webph.media.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * An SDP body (RFC 8866). Parsing keeps every line in order, so {@code parse(x).toString()} equals {@code x} with
 * line endings normalised to CRLF; typed accessors rewrite single lines.
 */
public final class SessionDescription extends SdpSection {
    /** Upper bound on accepted bodies; SIP bodies are far smaller, this only guards against abuse. */
    public static final int MAX_LENGTH = 64 * 1024;

    private final List<MediaDescription> media = new ArrayList<>();

    private SessionDescription() {
    }

    public static SessionDescription parse(String text) {
        if (text == null || text.isBlank()) {
            throw new SdpParseException("empty SDP");
        }
        if (text.length() > MAX_LENGTH) {
            throw new SdpParseException("SDP too large: " + text.length() + " characters");
        }
        SessionDescription sdp = new SessionDescription();
        String[] raw = SdpText.lines(text);
        MediaDescription current = null;
        boolean sawVersion = false;
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.isEmpty()) {
                // Trailing empty line after the final CRLF; an empty line in the middle is tolerated too.
                continue;
            }
            if (line.length() < 2 || line.charAt(1) != '=' || line.charAt(0) < 'a' || line.charAt(0) > 'z') {
                throw new SdpParseException("line " + (i + 1) + " is not <type>=<value>: " + abbreviate(line));
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (!sawVersion) {
                if (type != 'v') {
                    throw new SdpParseException("SDP must start with v=, got line " + (i + 1) + ": " + abbreviate(line));
                }
                if (!value.equals("0")) {
                    throw new SdpParseException("unsupported SDP version: " + value);
                }
                sawVersion = true;
                continue;
            }
            if (type == 'v') {
                throw new SdpParseException("duplicate v= at line " + (i + 1));
            }
            if (type == 'm') {
                current = new MediaDescription(value);
                sdp.media.add(current);
            } else if (current != null) {
                current.lines.add(new SdpLine(type, value));
            } else {
                sdp.lines.add(new SdpLine(type, value));
            }
        }
        if (sdp.firstLine('o') == null) {
            throw new SdpParseException("SDP without o= line");
        }
        sdp.origin(); // validates o=
        for (SdpLine l : sdp.lines) {
            if (l.type() == 'c') {
                Connection.parse(l.value());
            }
        }
        for (MediaDescription m : sdp.media) {
            for (SdpLine l : m.lines) {
                if (l.type() == 'c') {
                    Connection.parse(l.value());
                }
            }
        }
        return sdp;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    public Origin origin() {
        return Origin.parse(firstLine('o').value());
    }

    public void setOrigin(Origin origin) {
        setLine('o', origin.toString());
    }

    public String sessionName() {
        SdpLine s = firstLine('s');
        return s == null ? null : s.value();
    }

    public List<MediaDescription> media() {
        return media;
    }

    /** The first audio m-section, or null. */
    public MediaDescription audio() {
        for (MediaDescription m : media) {
            if (m.media().equals("audio")) {
                return m;
            }
        }
        return null;
    }

    /** Connection address for a media section: its own c= or the session-level one. */
    public Connection connectionFor(MediaDescription m) {
        Connection c = m.connection();
        return c != null ? c : connection();
    }

    /** Direction of a media section: its own attribute, else session level, else sendrecv (RFC 8866 6.7). */
    public Direction directionOf(MediaDescription m) {
        Direction d = m.explicitDirection();
        if (d == null) {
            d = explicitDirection();
        }
        return d == null ? Direction.SENDRECV : d;
    }

    /** A media-level attribute, falling back to the session level (ice-ufrag, ice-pwd, fingerprint, setup). */
    public String attributeFor(MediaDescription m, String name) {
        String v = m.attribute(name);
        return v != null ? v : attribute(name);
    }

    public Fingerprint fingerprintFor(MediaDescription m) {
        String v = attributeFor(m, "fingerprint");
        return v == null ? null : Fingerprint.parse(v);
    }

    public boolean isIceLite() {
        return hasAttribute("ice-lite");
    }

    @Override
    protected int insertIndexFor(char type) {
        // session order (after v=): o s i u e p c b t r z k a
        return indexAfterLast("osiuepcbtrzka", type);
    }

    public SessionDescription copy() {
        SessionDescription c = new SessionDescription();
        c.lines.addAll(lines);
        for (MediaDescription m : media) {
            c.media.add(m.copy());
        }
        return c;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("v=0\r\n");
        for (SdpLine l : lines) {
            sb.append(l).append("\r\n");
        }
        for (MediaDescription m : media) {
            m.appendTo(sb);
        }
        return sb.toString();
    }
}
