package one.webph.sip.parser;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import one.webph.sip.message.HeaderField;
import one.webph.sip.message.SipHeaders;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipMethod;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.SipText;
import one.webph.sip.message.SipUri;
import one.webph.sip.message.Uri;

/**
 * Parses complete SIP messages from bytes (RFC 3261 section 7 framing, section 25 grammar).
 *
 * <p>{@link #parseDatagram} handles one message per UDP datagram or WebSocket frame: Content-Length is optional
 * (the body is the rest of the datagram) and octets beyond Content-Length are discarded (RFC 3261 18.3).
 * {@link SipStreamDecoder} frames TCP/TLS byte streams and calls {@link #parseFramed}.
 *
 * <p>Tolerant where deployed phones deviate harmlessly (bare LF line ends, leading CRLFs, extra whitespace
 * around header separators and in LWS, header folding, compact forms, a missing reason phrase), strict where
 * RFC 3261 / RFC 4475 require rejection (request-line spacing, version, scalar ranges, duplicate single-instance
 * headers, CSeq method mismatch, malformed URIs or known headers). Every failure is a {@link SipParseException};
 * no other exception escapes for any input.
 */
public final class SipMessageParser {
    private SipMessageParser() {}

    /** Parses text as a datagram (convenience for tests and tools). */
    public static SipMessage parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return parseDatagram(b, 0, b.length);
    }

    public static SipMessage parseDatagram(byte[] data) {
        return parseDatagram(data, 0, data.length);
    }

    /** One message per datagram; Content-Length optional. */
    public static SipMessage parseDatagram(byte[] data, int off, int len) {
        return parse(data, off, off + len, false, true);
    }

    /**
     * Parses the wire form of a message this library encoded itself (a compacted message being read again):
     * the header grammar was checked when it was received or built, so it is not checked again here.
     */
    public static SipMessage reparse(byte[] wire) {
        return parse(wire, 0, wire.length, false, false);
    }

    /**
     * Parses one message already framed by a stream decoder: {@code [off, end)} holds the header section, the
     * blank line and exactly the Content-Length body octets.
     */
    public static SipMessage parseFramed(byte[] data, int off, int end) {
        return parse(data, off, end, true, true);
    }

    /**
     * Position just after the blank line ending the header section that starts at {@code from}, or -1.
     * Accepts CRLFCRLF and, tolerantly, LFLF / LFCRLF.
     */
    public static int findHeaderEnd(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] == '\n') {
                if (i + 1 < end && b[i + 1] == '\n') {
                    return i + 2;
                }
                if (i + 2 < end && b[i + 1] == '\r' && b[i + 2] == '\n') {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static final class RawHeader {
        final String name;
        final String value;
        final String raw;

        RawHeader(String name, String value, String raw) {
            this.name = name;
            this.value = value;
            this.raw = raw;
        }
    }

    private static SipMessage parse(byte[] b, int off, int end, boolean framed, boolean validate) {
        int start = off;
        while (start < end && (b[start] == '\r' || b[start] == '\n')) {
            start++;
        }
        if (start >= end) {
            throw new SipParseException("empty message");
        }
        int headerEnd = findHeaderEnd(b, start, end);
        int headTextEnd;
        if (headerEnd < 0) {
            // No blank line: tolerated for datagrams without body (the whole datagram is the header section).
            if (framed) {
                throw new SipParseException("missing blank line after headers");
            }
            headTextEnd = end;
            headerEnd = end;
        } else {
            headTextEnd = headerEnd;
        }
        String head = decode(b, start, headTextEnd);
        int lineEnd = head.indexOf('\n');
        String startLine = stripCr(lineEnd < 0 ? head : head.substring(0, lineEnd));
        List<RawHeader> headers = splitHeaders(head, lineEnd < 0 ? head.length() : lineEnd + 1);

        boolean isRequest = !startsWithIgnoreCase(startLine, "SIP/");
        try {
            SipMessage msg = isRequest ? parseRequestLine(startLine) : parseStatusLine(startLine);
            for (RawHeader h : headers) {
                msg.addParsedField(h.name, h.value, h.raw);
            }
            if (validate) {
                msg.validateHeaders();
                checkMandatory(msg);
            }
            int cl = msg.contentLengthHeader();
            int available = end - headerEnd;
            if (cl >= 0) {
                if (cl > available) {
                    throw new SipParseException("Content-Length " + cl + " larger than the " + available
                            + " body octets received");
                }
                if (cl > 0) {
                    byte[] body = new byte[cl];
                    System.arraycopy(b, headerEnd, body, 0, cl);
                    msg.setRawBody(body);
                }
            } else if (framed) {
                throw new SipParseException("Content-Length required on stream transports");
            } else if (available > 0) {
                byte[] body = new byte[available];
                System.arraycopy(b, headerEnd, body, 0, available);
                msg.setRawBody(body);
            }
            return msg;
        } catch (SipParseException e) {
            throw isRequest ? withContext(e, startLine, headers) : e;
        } catch (RuntimeException e) {
            // Defensive: a grammar bug must not escape as anything but a parse failure.
            SipParseException pe = new SipParseException("internal parse error: " + e);
            pe.initCause(e);
            throw isRequest ? withContext(pe, startLine, headers) : pe;
        }
    }

    private static String decode(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) {
                return new String(b, from, to - from, StandardCharsets.UTF_8);
            }
        }
        // ASCII: ISO-8859-1 decoding is a straight copy into a compact string.
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static String stripCr(String s) {
        return !s.isEmpty() && s.charAt(s.length() - 1) == '\r' ? s.substring(0, s.length() - 1) : s;
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /**
     * Splits header lines (unfolding continuation lines) starting at {@code pos}. A line that is exactly
     * {@code Name: value} keeps no copy of itself (raw null: the serializer rebuilds it byte for byte), and a
     * name spelled as one of the common headers is that shared constant: strings made here are what a message
     * keeps.
     */
    private static List<RawHeader> splitHeaders(String head, int pos) {
        List<RawHeader> out = new ArrayList<>(16);
        int n = head.length();
        while (pos < n) {
            int lineStart = pos;
            int nl = head.indexOf('\n', pos);
            int lineEnd = nl < 0 ? n : nl;
            pos = nl < 0 ? n : nl + 1;
            int contentEnd = lineEnd > lineStart && head.charAt(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
            if (contentEnd == lineStart) {
                break; // the blank line
            }
            if (SipText.isWsp(head.charAt(lineStart))) {
                throw new SipParseException("header section starts with a continuation line");
            }
            int colon = head.indexOf(':', lineStart);
            if (colon < 0 || colon >= contentEnd) {
                throw new SipParseException("header line without ':': \"" + printable(head, lineStart, contentEnd) + "\"");
            }
            int nameEnd = colon;
            while (nameEnd > lineStart && SipText.isWsp(head.charAt(nameEnd - 1))) {
                nameEnd--;
            }
            String name = SipHeaders.exactName(head, lineStart, nameEnd);
            if (name == null) {
                name = head.substring(lineStart, nameEnd);
                if (!SipText.isToken(name)) {
                    throw new SipParseException("illegal header name: \"" + printable(head, lineStart, nameEnd) + "\"");
                }
            }
            // the value without surrounding whitespace (as String.strip)
            int valueStart = colon + 1;
            while (valueStart < contentEnd && Character.isWhitespace(head.charAt(valueStart))) {
                valueStart++;
            }
            int valueEnd = contentEnd;
            while (valueEnd > valueStart && Character.isWhitespace(head.charAt(valueEnd - 1))) {
                valueEnd--;
            }
            if (pos >= n || !SipText.isWsp(head.charAt(pos))) {
                String value = head.substring(valueStart, valueEnd);
                boolean plain = nameEnd == colon && valueStart == colon + 2 && head.charAt(colon + 1) == ' '
                        && valueEnd == contentEnd;
                out.add(new RawHeader(name, value, plain ? null : head.substring(lineStart, contentEnd)));
                continue;
            }
            // Continuation lines (RFC 3261 7.3.1 folding): CRLF followed by whitespace is one SP.
            StringBuilder value = new StringBuilder(valueEnd - valueStart + 32).append(head, colon + 1, contentEnd);
            int rawEnd = contentEnd;
            while (pos < n && SipText.isWsp(head.charAt(pos))) {
                int nl2 = head.indexOf('\n', pos);
                int le = nl2 < 0 ? n : nl2;
                int ce = le > pos && head.charAt(le - 1) == '\r' ? le - 1 : le;
                int cs = pos;
                while (cs < ce && SipText.isWsp(head.charAt(cs))) {
                    cs++;
                }
                value.append(' ').append(head, cs, ce);
                rawEnd = ce;
                pos = nl2 < 0 ? n : nl2 + 1;
            }
            out.add(new RawHeader(name, value.toString().strip(), head.substring(lineStart, rawEnd)));
        }
        return out;
    }

    private static String printable(String s, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to && sb.length() < 80; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    private static SipRequest parseRequestLine(String line) {
        int sp1 = line.indexOf(' ');
        int sp2 = line.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 == sp1) {
            throw new SipParseException("malformed request line: \"" + printable(line, 0, line.length()) + "\"");
        }
        String method = SipMethod.canonical(line.substring(0, sp1));
        String uriText = line.substring(sp1 + 1, sp2);
        String version = line.substring(sp2 + 1);
        if (!SipText.isToken(method)) {
            throw new SipParseException("method is not a token: \"" + printable(method, 0, method.length()) + "\"");
        }
        if (SipMethod.isMiscasedStandard(method)) {
            throw new SipParseException("method names are case-sensitive: " + method);
        }
        if (!version.equalsIgnoreCase(SipMessage.SIP_VERSION)) {
            if (startsWithIgnoreCase(version, "SIP/")) {
                throw new SipParseException("unsupported SIP version " + printable(version, 0, version.length()), 505, null);
            }
            throw new SipParseException("malformed request line (version): \"" + printable(line, 0, line.length()) + "\"");
        }
        if (uriText.isEmpty() || uriText.indexOf(' ') >= 0 || uriText.indexOf('\t') >= 0) {
            throw new SipParseException("whitespace in Request-URI or between request-line elements");
        }
        Uri uri = Uri.parse(uriText);
        if (uri instanceof SipUri s && s.headers() != null) {
            throw new SipParseException("Request-URI must not contain headers");
        }
        return new SipRequest(method, uri, line);
    }

    private static SipResponse parseStatusLine(String line) {
        int sp1 = line.indexOf(' ');
        if (sp1 < 0 || !line.substring(0, sp1).equalsIgnoreCase(SipMessage.SIP_VERSION)) {
            throw new SipParseException("unsupported version or malformed status line");
        }
        int sp2 = line.indexOf(' ', sp1 + 1);
        String code = sp2 < 0 ? line.substring(sp1 + 1) : line.substring(sp1 + 1, sp2);
        if (code.length() != 3 || !Character.isDigit(code.charAt(0)) || !Character.isDigit(code.charAt(1))
                || !Character.isDigit(code.charAt(2)) || code.charAt(0) > '6' || code.charAt(0) < '1') {
            throw new SipParseException("bad status code \"" + printable(code, 0, code.length()) + "\"");
        }
        for (int i = 0; i < 3; i++) {
            if (code.charAt(i) > '9') {
                throw new SipParseException("bad status code");
            }
        }
        String reason = sp2 < 0 ? "" : line.substring(sp2 + 1);
        return new SipResponse(Integer.parseInt(code), reason, line);
    }

    private static void checkMandatory(SipMessage msg) {
        if (msg.vias().isEmpty()) {
            throw new SipParseException("missing Via");
        }
        if (msg.from() == null || msg.to() == null || msg.callId() == null || msg.cseq() == null) {
            throw new SipParseException("missing From, To, Call-ID or CSeq");
        }
        if (msg instanceof SipRequest r && !r.method().equals(msg.cseq().method())) {
            throw new SipParseException("CSeq method " + msg.cseq().method() + " does not match request method " + r.method());
        }
    }

    /** Attaches what is needed for a 400/505 when the broken request still has its five key headers. */
    private static SipParseException withContext(SipParseException e, String startLine, List<RawHeader> headers) {
        List<String> vias = new ArrayList<>(2);
        String from = null;
        String to = null;
        String callId = null;
        String cseq = null;
        for (RawHeader h : headers) {
            switch (SipHeaders.key(h.name)) {
                case "via" -> vias.addAll(HeaderField.splitList(h.value));
                case "from" -> from = from == null ? h.value : from;
                case "to" -> to = to == null ? h.value : to;
                case "call-id" -> callId = callId == null ? h.value : callId;
                case "cseq" -> cseq = cseq == null ? h.value : cseq;
                default -> { }
            }
        }
        boolean looksLikeRequest = startLine.indexOf(' ') > 0;
        if (!looksLikeRequest || vias.isEmpty() || from == null || to == null || callId == null || cseq == null) {
            return e;
        }
        return e.withResponseContext(e.suggestedStatus(),
                new SipParseException.ErrorResponseHeaders(vias, from, to, callId, cseq));
    }
}
