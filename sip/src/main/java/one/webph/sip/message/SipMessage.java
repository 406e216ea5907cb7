package one.webph.sip.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import one.webph.sip.parser.SipParseException;

/**
 * A SIP request or response: start line, ordered header fields and body.
 *
 * <p>Header fields read from the wire keep their exact text; {@link #encode()} writes unchanged fields back
 * byte for byte, so adding a Via or stamping {@code received}/{@code rport} only changes the touched line.
 * Typed accessors ({@link #vias()}, {@link #from()}, {@link #cseq()}, ...) parse on first use and cache;
 * messages produced by {@code SipMessageParser} have all known headers validated already, so their typed
 * accessors do not throw. On messages built by code, a malformed value set with {@link #addHeader} surfaces as
 * {@link SipParseException} from the accessor.
 *
 * <p>Not thread-safe: a message belongs to one event loop at a time; {@link #copy()} before handing it over.
 */
public abstract sealed class SipMessage permits SipRequest, SipResponse {
    public static final String SIP_VERSION = "SIP/2.0";
    private static final byte[] NO_BODY = new byte[0];
    private static final Object ABSENT = new Object();

    /** Null while compacted ({@link #compact}): {@link #fields()} parses them back from {@link #wire}. */
    private ArrayList<HeaderField> fields;
    private byte[] body = NO_BODY;
    /** Parsed forms by {@link #kind(String)} (null = not parsed yet, ABSENT = no such header); null when none. */
    private Object[] typedCache;
    /** The wire form as last encoded, kept until the message changes; all that a compacted message holds. */
    private byte[] wire;

    SipMessage() {
        fields = new ArrayList<>(12);
    }

    SipMessage(SipMessage other) {
        fields = new ArrayList<>(other.fields());
        body = other.body;
        wire = other.wire; // the same wire form until one of the two changes
    }

    /** The header fields, parsed back from the wire form first when the message was compacted. */
    final ArrayList<HeaderField> fields() {
        if (fields == null) {
            inflate();
        }
        return fields;
    }

    // ------------------------------------------------------------------ compaction

    /**
     * Reduces the message to its wire form (one byte array) until it is read or changed again, when it is parsed
     * back. For messages kept long but rarely read: a UDP transaction holds its request and last response for
     * 32 s after the final response (Timer J) only to answer retransmissions, and the parsed form (a field object
     * and strings per header, URIs, parameters) was most of the server's live heap and of its GC work.
     */
    public void compact() {
        if (fields == null) {
            return;
        }
        byte[] w = encode();
        fields = null;
        body = null;
        typedCache = null;
        wire = w;
        compactStartLine();
    }

    /** Whether the message is compacted (tests). */
    public boolean isCompacted() {
        return fields == null;
    }

    /** Subclasses drop what they can rebuild from the start line. */
    abstract void compactStartLine();

    /** Subclasses take back their start-line parts from the message parsed from the wire form. */
    abstract void inflateStartLine(SipMessage parsed);

    private void inflate() {
        SipMessage parsed = one.webph.sip.parser.SipMessageParser.reparse(wire);
        fields = parsed.fields;
        body = parsed.body;
        typedCache = parsed.typedCache;
        inflateStartLine(parsed);
    }

    /** Called on every change: the cached wire form no longer matches. */
    final void changed() {
        wire = null;
    }

    /** An independent copy (header fields are immutable and shared; the body array is shared until replaced). */
    public abstract SipMessage copy();

    abstract void appendStartLine(StringBuilder sb);

    // ------------------------------------------------------------------ generic header access

    /** All header fields in wire order (read-only view). */
    public List<HeaderField> headerFields() {
        return Collections.unmodifiableList(fields());
    }

    public boolean hasHeader(String name) {
        String key = SipHeaders.key(name);
        for (HeaderField f : fields()) {
            if (f.key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** Value of the first field with this name (compact forms match), or null. */
    public String header(String name) {
        String key = SipHeaders.key(name);
        for (HeaderField f : fields()) {
            if (f.key().equals(key)) {
                return f.value();
            }
        }
        return null;
    }

    /** All values of this header in order; comma lists of list-type headers are split. */
    public List<String> headerValues(String name) {
        String key = SipHeaders.key(name);
        List<String> out = new ArrayList<>(2);
        for (HeaderField f : fields()) {
            if (f.key().equals(key)) {
                out.addAll(f.values());
            }
        }
        return out;
    }

    /** Appends a header field. */
    public void addHeader(String name, String value) {
        HeaderField f = HeaderField.of(name, value);
        fields().add(f);
        invalidate(f.key());
    }

    /** Inserts a header field before the first field of the same name, or at the top when there is none. */
    public void addHeaderFirst(String name, String value) {
        HeaderField f = HeaderField.of(name, value);
        int i = indexOf(f.key());
        fields().add(i < 0 ? 0 : i, f);
        invalidate(f.key());
    }

    /** Replaces all fields of this name by one field at the position of the first (or appends). */
    public void setHeader(String name, String value) {
        HeaderField f = HeaderField.of(name, value);
        int i = indexOf(f.key());
        fields().removeIf(x -> x.key().equals(f.key()));
        if (i < 0 || i > fields().size()) {
            fields().add(f);
        } else {
            fields().add(i, f);
        }
        invalidate(f.key());
    }

    /** Removes all fields of this name; returns true when any was present. */
    public boolean removeHeader(String name) {
        String key = SipHeaders.key(name);
        boolean removed = fields().removeIf(x -> x.key().equals(key));
        invalidate(key);
        return removed;
    }

    /**
     * Removes the first value of a list header (e.g. the top Via or the first Route). When that value shares its
     * line with others, only that line is rewritten.
     * @return the removed value, or null
     */
    public String removeFirstValue(String name) {
        String key = SipHeaders.key(name);
        int i = indexOf(key);
        if (i < 0) {
            return null;
        }
        HeaderField f = fields().get(i);
        List<String> values = HeaderField.splitList(f.value());
        if (values.size() <= 1) {
            fields().remove(i);
        } else {
            fields().set(i, new HeaderField(f.name(), key, String.join(", ", values.subList(1, values.size())), null));
        }
        invalidate(key);
        return values.isEmpty() ? "" : values.get(0);
    }

    /** Replaces the first value of a list header, leaving the other values (and other lines) as written. */
    public void replaceFirstValue(String name, String newValue) {
        String key = SipHeaders.key(name);
        int i = indexOf(key);
        if (i < 0) {
            addHeader(name, newValue);
            return;
        }
        HeaderField f = fields().get(i);
        List<String> values = HeaderField.splitList(f.value());
        HeaderField first = new HeaderField(SipHeaders.canonicalName(name), key, newValue, null);
        fields().set(i, first);
        if (values.size() > 1) {
            fields().add(i + 1, new HeaderField(f.name(), key, String.join(", ", values.subList(1, values.size())), null));
        }
        invalidate(key);
    }

    private int indexOf(String key) {
        for (int i = 0; i < fields().size(); i++) {
            if (fields().get(i).key().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    /** Appends a field exactly as read from the wire (parser use). */
    public void addParsedField(String name, String value, String rawLine) {
        String key = SipHeaders.key(name);
        // Most lines are exactly "Name: value" with a canonical name: keep the shared name constant and no copy of
        // the line (toLine() rebuilds it byte for byte). Messages sit in UDP transactions for 32 s (Timer J), so
        // this is most of their memory.
        String canonical = SipHeaders.canonicalName(name);
        String shared = canonical.equals(name) ? canonical : name;
        boolean plain = rawLine != null && rawLine.length() == name.length() + 2 + value.length()
                && rawLine.startsWith(name) && rawLine.startsWith(": ", name.length()) && rawLine.endsWith(value);
        fields().add(new HeaderField(shared, key, value, plain ? null : rawLine));
    }

    /**
     * Forgets the parsed forms of headers (Via, From, URIs...) kept since they were first read; they are parsed
     * again if asked for. For messages kept long but rarely read: a completed transaction's request and response.
     */
    public void dropParsedHeaders() {
        typedCache = null;
    }

    private void invalidate(String key) {
        changed();
        int kind = kind(key);
        if (typedCache != null && kind >= 0) {
            typedCache[kind] = null;
        }
    }

    // ------------------------------------------------------------------ typed access

    /** The header kinds with a grammar, each with its slot in {@link #typedCache}: see {@link #kind}. */
    private static final int KINDS = 20;

    /** Slot of a header kind that {@link #computeTyped} parses, or -1 (a switch: no map lookup per access). */
    private static int kind(String key) {
        return switch (key) {
            case "via" -> 0;
            case "from" -> 1;
            case "to" -> 2;
            case "call-id" -> 3;
            case "cseq" -> 4;
            case "max-forwards" -> 5;
            case "content-length" -> 6;
            case "contact" -> 7;
            case "route" -> 8;
            case "record-route" -> 9;
            case "path" -> 10;
            case "service-route" -> 11;
            case "expires" -> 12;
            case "min-expires" -> 13;
            case "content-type" -> 14;
            case "date" -> 15;
            case "www-authenticate" -> 16;
            case "proxy-authenticate" -> 17;
            case "authorization" -> 18;
            case "proxy-authorization" -> 19;
            default -> -1;
        };
    }

    @SuppressWarnings("unchecked")
    private <T> T typed(String key) {
        int kind = kind(key);
        if (kind < 0) {
            throw new IllegalArgumentException("no grammar for header " + key);
        }
        if (typedCache == null) {
            typedCache = new Object[KINDS];
        }
        Object v = typedCache[kind];
        if (v == null) {
            v = computeTyped(key);
            typedCache[kind] = v == null ? ABSENT : v;
        }
        return v == ABSENT ? null : (T) v;
    }

    private void cacheTyped(String key, Object value) {
        if (typedCache == null) {
            typedCache = new Object[KINDS];
        }
        typedCache[kind(key)] = value;
    }

    /**
     * Shares the parsed (immutable) forms of fields copied unchanged from {@code other}, e.g. a response built
     * from its request: Via, From, To, Call-ID and CSeq are not parsed again.
     */
    final void shareTyped(SipMessage other, String... keys) {
        if (other.typedCache == null) {
            return;
        }
        for (String key : keys) {
            Object v = other.typedCache[kind(key)];
            if (v != null) {
                cacheTyped(key, v);
            }
        }
    }

    private HeaderField single(String key) {
        HeaderField found = null;
        for (HeaderField f : fields()) {
            if (f.key().equals(key)) {
                if (found != null && !found.value().equals(f.value())) {
                    throw new SipParseException("header " + found.name() + " appears more than once");
                }
                found = f;
            }
        }
        return found;
    }

    private Object computeTyped(String key) {
        switch (key) {
            case "via": {
                List<Via> out = new ArrayList<>(2);
                for (HeaderField f : fields()) {
                    if (f.key().equals(key)) {
                        out.addAll(Via.parseList(f.value()));
                    }
                }
                return Collections.unmodifiableList(out);
            }
            case "contact": {
                List<Contact> out = new ArrayList<>(1);
                for (HeaderField f : fields()) {
                    if (f.key().equals(key)) {
                        List<Contact> l = Contact.parseList(f.value());
                        // identity: parseList returns the WILDCARD constant for "*" (equals would print both)
                        if (l.get(0) == Contact.WILDCARD && !out.isEmpty()) {
                            throw new SipParseException("Contact: '*' mixed with other contacts");
                        }
                        out.addAll(l);
                    }
                }
                if (out.size() > 1 && out.get(0) == Contact.WILDCARD) {
                    throw new SipParseException("Contact: '*' mixed with other contacts");
                }
                return Collections.unmodifiableList(out);
            }
            case "route", "record-route", "path", "service-route": {
                List<NameAddress> out = new ArrayList<>(2);
                for (HeaderField f : fields()) {
                    if (f.key().equals(key)) {
                        out.addAll(NameAddress.parseList(f.value()));
                    }
                }
                return Collections.unmodifiableList(out);
            }
            case "www-authenticate", "proxy-authenticate", "authorization", "proxy-authorization": {
                List<AuthHeader> out = new ArrayList<>(1);
                for (HeaderField f : fields()) {
                    if (f.key().equals(key)) {
                        out.add(AuthHeader.parse(f.value()));
                    }
                }
                return Collections.unmodifiableList(out);
            }
            default:
                break;
        }
        HeaderField f = single(key);
        if (f == null) {
            return null;
        }
        String v = f.value();
        switch (key) {
            case "from", "to":
                return NameAddress.parse(v);
            case "call-id":
                return TypedValues.callId(v);
            case "cseq":
                return CSeq.parse(v);
            case "max-forwards":
                return TypedValues.integer(v, 255, "Max-Forwards");
            case "content-length":
                return TypedValues.integer(v, Integer.MAX_VALUE, "Content-Length");
            case "expires", "min-expires":
                return TypedValues.deltaSeconds(v, f.name());
            case "content-type":
                return TypedValues.mediaType(v);
            case "date":
                return TypedValues.date(v);
            default:
                return v;
        }
    }

    /**
     * Parses every header this class has a grammar for and checks that single-instance headers appear once.
     * @throws SipParseException on the first malformed header
     */
    public void validateHeaders() {
        // One pass over the fields present: a header kind is parsed at its first field (typed() caches it), and
        // absent kinds cost nothing here (asking each of the 20 kinds scanned every field per message).
        for (int i = 0; i < fields().size(); i++) {
            String key = fields().get(i).key();
            if (kind(key) >= 0) {
                typed(key);
            }
            if (SipHeaders.isSingle(key)) {
                for (int j = i + 1; j < fields().size(); j++) {
                    if (fields().get(j).key().equals(key)) {
                        throw new SipParseException("header " + fields().get(i).name() + " appears more than once");
                    }
                }
            }
        }
    }

    /** All Via values, top first (empty list when none). */
    public List<Via> vias() {
        List<Via> v = typed("via");
        return v == null ? List.of() : v;
    }

    /** The top Via, or null. */
    public Via topVia() {
        List<Via> v = vias();
        return v.isEmpty() ? null : v.get(0);
    }

    /** Adds a Via on top (new line before the existing ones; the existing lines are untouched). */
    public void pushVia(Via via) {
        addHeaderFirst(SipHeaders.VIA, via.toString());
    }

    /** Removes the top Via value and returns it, or null. */
    public Via popVia() {
        Via top = topVia();
        if (top != null) {
            removeFirstValue(SipHeaders.VIA);
        }
        return top;
    }

    /** Replaces the top Via (e.g. after stamping received/rport), leaving the other Vias as written. */
    public void setTopVia(Via via) {
        replaceFirstValue(SipHeaders.VIA, via.toString());
    }

    public NameAddress from() {
        return typed("from");
    }

    public void setFrom(NameAddress from) {
        setHeader(SipHeaders.FROM, from.toString());
    }

    public NameAddress to() {
        return typed("to");
    }

    public void setTo(NameAddress to) {
        setHeader(SipHeaders.TO, to.toString());
        cacheTyped("to", to); // what parsing the new value would give: no need to parse it again
    }

    public String fromTag() {
        NameAddress f = from();
        return f == null ? null : f.tag();
    }

    public String toTag() {
        NameAddress t = to();
        return t == null ? null : t.tag();
    }

    public String callId() {
        return typed("call-id");
    }

    public CSeq cseq() {
        return typed("cseq");
    }

    /** Max-Forwards value, or -1 when absent. */
    public int maxForwards() {
        Integer v = typed("max-forwards");
        return v == null ? -1 : v;
    }

    public void setMaxForwards(int value) {
        setHeader(SipHeaders.MAX_FORWARDS, Integer.toString(value));
    }

    /** Contact values in order; a REGISTER removing all bindings yields {@link Contact#WILDCARD}. */
    public List<Contact> contacts() {
        List<Contact> v = typed("contact");
        return v == null ? List.of() : v;
    }

    public List<NameAddress> routes() {
        List<NameAddress> v = typed("route");
        return v == null ? List.of() : v;
    }

    public List<NameAddress> recordRoutes() {
        List<NameAddress> v = typed("record-route");
        return v == null ? List.of() : v;
    }

    public List<NameAddress> paths() {
        List<NameAddress> v = typed("path");
        return v == null ? List.of() : v;
    }

    /** Expires header in seconds (clamped to 2**32-1), or -1 when absent. */
    public long expires() {
        Long v = typed("expires");
        return v == null ? -1 : v;
    }

    /** Content-Length header value, or -1 when absent. */
    public int contentLengthHeader() {
        Integer v = typed("content-length");
        return v == null ? -1 : v;
    }

    /** Content-Type value as written (e.g. "application/sdp"), or null. */
    public String contentType() {
        return typed("content-type");
    }

    public List<AuthHeader> wwwAuthenticates() {
        List<AuthHeader> v = typed("www-authenticate");
        return v == null ? List.of() : v;
    }

    public List<AuthHeader> proxyAuthenticates() {
        List<AuthHeader> v = typed("proxy-authenticate");
        return v == null ? List.of() : v;
    }

    public List<AuthHeader> authorizations() {
        List<AuthHeader> v = typed("authorization");
        return v == null ? List.of() : v;
    }

    public List<AuthHeader> proxyAuthorizations() {
        List<AuthHeader> v = typed("proxy-authorization");
        return v == null ? List.of() : v;
    }

    // ------------------------------------------------------------------ body

    /** The body (never null; empty when none). Do not modify the returned array. */
    public byte[] body() {
        if (fields == null) {
            inflate();
        }
        return body;
    }

    public String bodyAsString() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    /** Parser use: sets the body without touching headers. */
    public void setRawBody(byte[] body) {
        fields();
        changed();
        this.body = body == null ? NO_BODY : body;
    }

    /** Sets the body and Content-Type (removed when {@code contentType} is null); Content-Length follows. */
    public void setBody(byte[] body, String contentType) {
        fields();
        changed();
        this.body = body == null ? NO_BODY : body;
        if (contentType == null) {
            removeHeader(SipHeaders.CONTENT_TYPE);
        } else {
            setHeader(SipHeaders.CONTENT_TYPE, contentType);
        }
        setHeader(SipHeaders.CONTENT_LENGTH, Integer.toString(this.body.length));
    }

    // ------------------------------------------------------------------ serialisation

    /**
     * Wire form. Unmodified lines are written as received; a Content-Length matching the body is always
     * written (fixed or added when missing or wrong, since stream transports need it). The array is kept and
     * returned again until the message changes (retransmissions cost no encoding): do not modify it.
     */
    public byte[] encode() {
        if (wire != null) {
            return wire; // unchanged since last encoded (or compacted)
        }
        List<HeaderField> fs = fields();
        String startLine = startLineText();
        // Content-Length as it will be written: the first field's, fixed when it does not match the body; further
        // Content-Length fields are dropped; added at the end when missing.
        String length = Integer.toString(body.length);
        int startLength = asciiLength(startLine);
        if (startLength < 0) {
            return wire = encodeUtf8(); // non-ASCII text (rare): the general path
        }
        int size = startLength + 2 + 2 + body.length;
        boolean lengthWritten = false;
        for (HeaderField f : fs) {
            if (f.key().equals("content-length")) {
                if (lengthWritten) {
                    continue;
                }
                lengthWritten = true;
                if (!f.value().equals(length)) {
                    size += (f.name().length() == 1 ? 1 : 14) + 2 + length.length() + 2;
                    continue;
                }
            }
            int n = f.rawLine() != null ? asciiLength(f.rawLine())
                    : addAscii(asciiLength(f.name()), 2, asciiLength(f.value()));
            if (n < 0) {
                return wire = encodeUtf8();
            }
            size += n + 2;
        }
        if (!lengthWritten) {
            size += 16 + length.length() + 2;
        }
        // ASCII only: every char is one byte, written straight into an array of the exact size
        byte[] out = new byte[size];
        int at = putAscii(out, 0, startLine);
        at = crlf(out, at);
        lengthWritten = false;
        for (HeaderField f : fs) {
            if (f.key().equals("content-length")) {
                if (lengthWritten) {
                    continue;
                }
                lengthWritten = true;
                if (!f.value().equals(length)) {
                    at = putAscii(out, at, f.name().length() == 1 ? "l" : "Content-Length");
                    at = putAscii(out, at, ": ");
                    at = crlf(out, putAscii(out, at, length));
                    continue;
                }
            }
            if (f.rawLine() != null) {
                at = putAscii(out, at, f.rawLine());
            } else {
                at = putAscii(out, putAscii(out, putAscii(out, at, f.name()), ": "), f.value());
            }
            at = crlf(out, at);
        }
        if (!lengthWritten) {
            at = crlf(out, putAscii(out, putAscii(out, at, "Content-Length: "), length));
        }
        at = crlf(out, at);
        System.arraycopy(body, 0, out, at, body.length);
        wire = out;
        return out;
    }

    /** Length of s when it is ASCII, else -1. */
    private static int asciiLength(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return -1;
            }
        }
        return n;
    }

    private static int addAscii(int a, int b, int c) {
        return a < 0 || c < 0 ? -1 : a + b + c;
    }

    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) copies the low byte of each char: ASCII here
    private static int putAscii(byte[] out, int at, String s) {
        s.getBytes(0, s.length(), out, at);
        return at + s.length();
    }

    private static int crlf(byte[] out, int at) {
        out[at] = '\r';
        out[at + 1] = '\n';
        return at + 2;
    }

    private String startLineText() {
        StringBuilder sb = new StringBuilder(64);
        appendStartLine(sb);
        return sb.toString();
    }

    /** The wire form through a StringBuilder and UTF-8, for messages with non-ASCII text. */
    private byte[] encodeUtf8() {
        StringBuilder sb = new StringBuilder(256 + fields().size() * 48);
        appendStartLine(sb);
        sb.append("\r\n");
        boolean lengthWritten = false;
        for (HeaderField f : fields()) {
            if (f.key().equals("content-length")) {
                if (lengthWritten) {
                    continue;
                }
                lengthWritten = true;
                if (!f.value().equals(Integer.toString(body.length))) {
                    sb.append(f.name().length() == 1 ? "l" : "Content-Length").append(": ").append(body.length).append("\r\n");
                    continue;
                }
            }
            sb.append(f.toLine()).append("\r\n");
        }
        if (!lengthWritten) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (body.length == 0) {
            return head;
        }
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** Start line, e.g. "INVITE sip:bob@example.com SIP/2.0" or "SIP/2.0 200 OK". */
    public String startLine() {
        fields(); // a compacted request keeps no Request-URI
        StringBuilder sb = new StringBuilder(64);
        appendStartLine(sb);
        return sb.toString();
    }

    /** Wire form as text (debugging and logs). */
    @Override
    public String toString() {
        return new String(encode(), StandardCharsets.UTF_8);
    }
}
