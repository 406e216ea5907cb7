package one.webph.sip.message;

import java.util.List;
import one.webph.sip.parser.SipParseException;

/** A SIP response. */
public final class SipResponse extends SipMessage {
    private final int status;
    private final String reason;
    private String rawStartLine;

    public SipResponse(int status, String reason) {
        if (status < 100 || status > 699) {
            throw new IllegalArgumentException("status out of range: " + status);
        }
        this.status = status;
        this.reason = reason == null ? defaultReason(status) : reason;
    }

    /** Parser use: keeps the status line text. */
    public SipResponse(int status, String reason, String rawStartLine) {
        this(status, reason);
        this.rawStartLine = rawStartLine;
    }

    private SipResponse(SipResponse other) {
        super(other);
        this.status = other.status;
        this.reason = other.reason;
        this.rawStartLine = other.rawStartLine;
    }

    @Override
    public SipResponse copy() {
        return new SipResponse(this);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public boolean isProvisional() {
        return status < 200;
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public boolean isFinal() {
        return status >= 200;
    }

    /** Adds a tag to the To header (keeping an existing tag). */
    public void setToTag(String tag) {
        NameAddress to = to();
        if (to != null && to.tag() == null) {
            setTo(to.withTag(tag));
        }
    }

    @Override
    void compactStartLine() {
        rawStartLine = null; // status and reason are kept: they are what the response is read for
    }

    @Override
    void inflateStartLine(SipMessage parsed) {
        rawStartLine = ((SipResponse) parsed).rawStartLine;
    }

    @Override
    void appendStartLine(StringBuilder sb) {
        if (rawStartLine != null) {
            sb.append(rawStartLine);
        } else {
            sb.append(SIP_VERSION).append(' ').append(status).append(' ').append(reason);
        }
    }

    /**
     * Builds the error response for a request the parser rejected, copying the raw Via, From, To, Call-ID and
     * CSeq values. Null when {@link SipParseException#canRespond()} is false.
     */
    public static SipResponse forParseError(SipParseException e) {
        SipParseException.ErrorResponseHeaders h = e.errorResponseHeaders();
        if (h == null) {
            return null;
        }
        String reason = e.suggestedStatus() == 505 ? "Version Not Supported" : "Bad Request";
        SipResponse r = new SipResponse(e.suggestedStatus(), reason);
        for (String via : h.vias()) {
            r.fields().add(new HeaderField("Via", "via", via, null));
        }
        r.fields().add(new HeaderField("From", "from", h.from(), null));
        r.fields().add(new HeaderField("To", "to", h.to(), null));
        r.fields().add(new HeaderField("Call-ID", "call-id", h.callId(), null));
        r.fields().add(new HeaderField("CSeq", "cseq", h.cseq(), null));
        r.fields().add(new HeaderField("Warning", "warning", "399 - " + SipText.quote(abbreviateReason(e.getMessage())), null));
        return r;
    }

    private static String abbreviateReason(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 100; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    private static final List<Object[]> REASONS = List.of(
            new Object[] {100, "Trying"}, new Object[] {180, "Ringing"}, new Object[] {181, "Call Is Being Forwarded"},
            new Object[] {182, "Queued"}, new Object[] {183, "Session Progress"}, new Object[] {200, "OK"},
            new Object[] {202, "Accepted"}, new Object[] {301, "Moved Permanently"},
            new Object[] {302, "Moved Temporarily"}, new Object[] {400, "Bad Request"},
            new Object[] {401, "Unauthorized"}, new Object[] {403, "Forbidden"}, new Object[] {404, "Not Found"},
            new Object[] {405, "Method Not Allowed"}, new Object[] {407, "Proxy Authentication Required"},
            new Object[] {408, "Request Timeout"}, new Object[] {410, "Gone"}, new Object[] {413, "Request Entity Too Large"},
            new Object[] {415, "Unsupported Media Type"}, new Object[] {416, "Unsupported URI Scheme"},
            new Object[] {420, "Bad Extension"}, new Object[] {423, "Interval Too Brief"},
            new Object[] {430, "Flow Failed"}, new Object[] {439, "First Hop Lacks Outbound Support"},
            new Object[] {480, "Temporarily Unavailable"}, new Object[] {481, "Call/Transaction Does Not Exist"},
            new Object[] {482, "Loop Detected"}, new Object[] {483, "Too Many Hops"}, new Object[] {484, "Address Incomplete"},
            new Object[] {486, "Busy Here"}, new Object[] {487, "Request Terminated"}, new Object[] {488, "Not Acceptable Here"},
            new Object[] {491, "Request Pending"}, new Object[] {500, "Server Internal Error"},
            new Object[] {501, "Not Implemented"}, new Object[] {502, "Bad Gateway"}, new Object[] {503, "Service Unavailable"},
            new Object[] {504, "Server Time-out"}, new Object[] {505, "Version Not Supported"},
            new Object[] {513, "Message Too Large"}, new Object[] {600, "Busy Everywhere"}, new Object[] {603, "Decline"},
            new Object[] {604, "Does Not Exist Anywhere"}, new Object[] {606, "Not Acceptable"});

    /** Standard reason phrase for a status code ("Unknown" when none). */
    public static String defaultReason(int status) {
        for (Object[] r : REASONS) {
            if ((Integer) r[0] == status) {
                return (String) r[1];
            }
        }
        return "Unknown";
    }
}
