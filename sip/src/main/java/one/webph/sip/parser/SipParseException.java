package one.webph.sip.parser;

import java.util.List;

/**
 * A SIP message (or one of its header values) is malformed.
 *
 * <p>Unchecked so that typed accessors and {@code parse(String)} factories can be used on trusted input
 * without ceremony; the framing entry points ({@link SipMessageParser}, {@link SipStreamDecoder}) document it.
 *
 * <p>When a <em>request</em> was broken but its Via, From, To, Call-ID and CSeq header lines were all present,
 * {@link #canRespond()} is true and {@link #errorResponseHeaders()} holds their raw values, so the transport
 * layer can answer with {@link #suggestedStatus()} (400, or 505 for an unsupported SIP version) as RFC 3261
 * section 8.2 / RFC 4475 expect. Otherwise the message must be silently dropped.
 */
public class SipParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Raw header values copied from a broken request, enough to build an error response. */
    public record ErrorResponseHeaders(List<String> vias, String from, String to, String callId, String cseq) {
        public ErrorResponseHeaders {
            vias = List.copyOf(vias);
        }
    }

    private final int suggestedStatus;
    private final transient ErrorResponseHeaders errorResponseHeaders;

    public SipParseException(String message) {
        this(message, 400, null);
    }

    public SipParseException(String message, int suggestedStatus, ErrorResponseHeaders headers) {
        super(message);
        this.suggestedStatus = suggestedStatus;
        this.errorResponseHeaders = headers;
    }

    /** Same failure, annotated with what is needed to answer it. */
    public SipParseException withResponseContext(int status, ErrorResponseHeaders headers) {
        SipParseException e = new SipParseException(getMessage(), status, headers);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** True when the broken message was a request that still carries enough headers to build an error response. */
    public boolean canRespond() {
        return errorResponseHeaders != null;
    }

    /** 400 normally, 505 for an unsupported SIP version. Only meaningful when {@link #canRespond()}. */
    public int suggestedStatus() {
        return suggestedStatus;
    }

    /** Raw Via/From/To/Call-ID/CSeq values of the broken request, or null when it cannot be answered. */
    public ErrorResponseHeaders errorResponseHeaders() {
        return errorResponseHeaders;
    }
}
