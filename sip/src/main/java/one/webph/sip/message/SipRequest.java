package one.webph.sip.message;

import java.util.Objects;

/** A SIP request. The request line is kept as received until the method or Request-URI is changed. */
public final class SipRequest extends SipMessage {
    private final String method;
    private Uri requestUri;
    private String rawStartLine;

    public SipRequest(String method, Uri requestUri) {
        if (!SipText.isToken(method)) {
            throw new IllegalArgumentException("method is not a token: " + method);
        }
        this.method = method;
        this.requestUri = Objects.requireNonNull(requestUri, "requestUri");
    }

    /** Parser use: keeps the request line text for faithful re-serialisation. */
    public SipRequest(String method, Uri requestUri, String rawStartLine) {
        this(method, requestUri);
        this.rawStartLine = rawStartLine;
    }

    private SipRequest(SipRequest other) {
        super(other);
        this.method = other.method;
        this.requestUri = other.requestUri();
        this.rawStartLine = other.rawStartLine;
    }

    @Override
    public SipRequest copy() {
        return new SipRequest(this);
    }

    public String method() {
        return method;
    }

    public boolean isMethod(String m) {
        return method.equals(m);
    }

    public Uri requestUri() {
        if (requestUri == null) {
            fields(); // compacted: parsed back from the wire form
        }
        return requestUri;
    }

    public void setRequestUri(Uri uri) {
        fields();
        changed();
        this.requestUri = Objects.requireNonNull(uri);
        this.rawStartLine = null;
    }

    @Override
    void compactStartLine() {
        requestUri = null;
        rawStartLine = null;
    }

    @Override
    void inflateStartLine(SipMessage parsed) {
        SipRequest r = (SipRequest) parsed;
        requestUri = r.requestUri;
        rawStartLine = r.rawStartLine;
    }

    @Override
    void appendStartLine(StringBuilder sb) {
        if (rawStartLine != null) {
            sb.append(rawStartLine);
        } else {
            sb.append(method).append(' ').append(requestUri).append(' ').append(SIP_VERSION);
        }
    }

    /**
     * Builds a response as RFC 3261 section 8.2.6.2 describes: Via (all, as written), From, To, Call-ID and CSeq
     * are copied. The caller adds a To tag when needed ({@link SipResponse#setToTag}).
     */
    public SipResponse createResponse(int status, String reason) {
        SipResponse r = new SipResponse(status, reason == null ? SipResponse.defaultReason(status) : reason);
        for (HeaderField f : fields()) {
            switch (f.key()) {
                case "via", "from", "to", "call-id", "cseq" -> r.fields().add(f);
                default -> { }
            }
        }
        r.shareTyped(this, "via", "from", "to", "call-id", "cseq");
        return r;
    }

    public SipResponse createResponse(int status) {
        return createResponse(status, null);
    }

    /**
     * CANCEL for this (INVITE) request per RFC 3261 section 9.1: same Request-URI, Call-ID, From, To, CSeq number,
     * only the top Via, and the same Route set.
     */
    public SipRequest createCancel() {
        return createHopByHop(SipMethod.CANCEL, null);
    }

    /**
     * ACK for a non-2xx final response to this INVITE, per RFC 3261 section 17.1.1.3: top Via and Route copied,
     * To taken from the response (with its tag).
     */
    public SipRequest createNon2xxAck(SipResponse response) {
        return createHopByHop(SipMethod.ACK, response);
    }

    private SipRequest createHopByHop(String m, SipResponse response) {
        SipRequest r = new SipRequest(m, requestUri());
        Via top = topVia();
        if (top != null) {
            r.addHeader(SipHeaders.VIA, top.toString());
        }
        r.setMaxForwards(70);
        for (HeaderField f : fields()) {
            switch (f.key()) {
                case "from", "call-id", "route" -> r.fields().add(f);
                case "to" -> {
                    if (response == null) {
                        r.fields().add(f);
                    }
                }
                default -> { }
            }
        }
        if (response != null && response.to() != null) {
            r.setTo(response.to());
        }
        CSeq cs = cseq();
        if (cs != null) {
            r.setHeader(SipHeaders.CSEQ, new CSeq(cs.number(), m).toString());
        }
        return r;
    }
}
