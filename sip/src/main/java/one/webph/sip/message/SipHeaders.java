package one.webph.sip.message;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header names: canonical spellings, compact forms (RFC 3261 section 7.3.3 and extensions) and which headers
 * are comma-separated lists. Header names compare case-insensitively; internally each field has a
 * {@link #key(String) key}: the lower-case long form.
 */
public final class SipHeaders {
    private SipHeaders() {}

    public static final String VIA = "Via";
    public static final String FROM = "From";
    public static final String TO = "To";
    public static final String CALL_ID = "Call-ID";
    public static final String CSEQ = "CSeq";
    public static final String MAX_FORWARDS = "Max-Forwards";
    public static final String CONTACT = "Contact";
    public static final String ROUTE = "Route";
    public static final String RECORD_ROUTE = "Record-Route";
    public static final String PATH = "Path";
    public static final String SERVICE_ROUTE = "Service-Route";
    public static final String EXPIRES = "Expires";
    public static final String MIN_EXPIRES = "Min-Expires";
    public static final String CONTENT_LENGTH = "Content-Length";
    public static final String CONTENT_TYPE = "Content-Type";
    public static final String WWW_AUTHENTICATE = "WWW-Authenticate";
    public static final String PROXY_AUTHENTICATE = "Proxy-Authenticate";
    public static final String AUTHORIZATION = "Authorization";
    public static final String PROXY_AUTHORIZATION = "Proxy-Authorization";
    public static final String AUTHENTICATION_INFO = "Authentication-Info";
    public static final String ALLOW = "Allow";
    public static final String SUPPORTED = "Supported";
    public static final String REQUIRE = "Require";
    public static final String PROXY_REQUIRE = "Proxy-Require";
    public static final String UNSUPPORTED = "Unsupported";
    public static final String USER_AGENT = "User-Agent";
    public static final String SERVER = "Server";
    public static final String DATE = "Date";
    public static final String REASON = "Reason";
    public static final String WARNING = "Warning";
    public static final String EVENT = "Event";
    public static final String SUBJECT = "Subject";

    private static final Map<String, String> COMPACT = Map.ofEntries(
            Map.entry("i", "call-id"), Map.entry("m", "contact"), Map.entry("e", "content-encoding"),
            Map.entry("l", "content-length"), Map.entry("c", "content-type"), Map.entry("f", "from"),
            Map.entry("s", "subject"), Map.entry("k", "supported"), Map.entry("t", "to"), Map.entry("v", "via"),
            Map.entry("o", "event"), Map.entry("u", "allow-events"), Map.entry("r", "refer-to"),
            Map.entry("b", "referred-by"), Map.entry("x", "session-expires"), Map.entry("a", "accept-contact"),
            Map.entry("j", "reject-contact"), Map.entry("d", "request-disposition"), Map.entry("y", "identity"),
            Map.entry("n", "identity-info"));

    private static final Set<String> LIST_HEADERS = Set.of("via", "contact", "route", "record-route", "path",
            "service-route", "allow", "supported", "require", "proxy-require", "unsupported", "accept",
            "accept-encoding", "accept-language", "allow-events", "alert-info", "call-info", "error-info",
            "in-reply-to", "content-encoding", "content-language", "warning", "reason", "accept-contact",
            "reject-contact", "security-client", "security-server", "security-verify", "p-asserted-identity");

    /** Headers that must appear at most once in a message. */
    private static final Set<String> SINGLE_HEADERS = Set.of("from", "to", "call-id", "cseq", "max-forwards",
            "content-length", "content-type", "expires", "min-expires", "date");

    private static final Map<String, String> CANONICAL = new HashMap<>();
    /** Exact spellings seen on the wire mapped to keys, to avoid lower-casing common names on every parse. */
    private static final Map<String, String> EXACT = new HashMap<>();

    static {
        for (String n : new String[] {VIA, FROM, TO, CALL_ID, CSEQ, MAX_FORWARDS, CONTACT, ROUTE, RECORD_ROUTE, PATH,
                SERVICE_ROUTE, EXPIRES, MIN_EXPIRES, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE, PROXY_AUTHENTICATE,
                AUTHORIZATION, PROXY_AUTHORIZATION, AUTHENTICATION_INFO, ALLOW, SUPPORTED, REQUIRE, PROXY_REQUIRE,
                UNSUPPORTED, USER_AGENT, SERVER, DATE, REASON, WARNING, EVENT, SUBJECT, "Content-Encoding",
                "Allow-Events", "Refer-To", "Referred-By", "Session-Expires", "Accept-Contact", "Reject-Contact",
                "Request-Disposition", "Identity", "Identity-Info"}) {
            CANONICAL.put(n.toLowerCase(Locale.ROOT), n);
            EXACT.put(n, n.toLowerCase(Locale.ROOT));
        }
        EXACT.put("Call-Id", "call-id");
        EXACT.put("Cseq", "cseq");
        EXACT.put("CSEQ", "cseq");
        EXACT.put("Www-Authenticate", "www-authenticate");
        for (Map.Entry<String, String> e : COMPACT.entrySet()) {
            EXACT.put(e.getKey(), e.getValue());
            EXACT.put(e.getKey().toUpperCase(Locale.ROOT), e.getValue());
        }
    }

    /** The common spellings by length, for {@link #exactName}. */
    private static final String[][] EXACT_BY_LENGTH = new String[32][];

    static {
        Map<Integer, java.util.List<String>> byLength = new HashMap<>();
        for (String n : EXACT.keySet()) {
            if (n.length() < EXACT_BY_LENGTH.length) {
                byLength.computeIfAbsent(n.length(), k -> new java.util.ArrayList<>()).add(n);
            }
        }
        byLength.forEach((length, names) -> EXACT_BY_LENGTH[length] = names.toArray(new String[0]));
    }

    /**
     * The shared constant for a header name spelled exactly like a common one ("Via", "CSeq", "v"...) in
     * {@code s[from, to)}, or null: the parser uses it instead of a new string per header line.
     */
    public static String exactName(String s, int from, int to) {
        int length = to - from;
        String[] candidates = length > 0 && length < EXACT_BY_LENGTH.length ? EXACT_BY_LENGTH[length] : null;
        if (candidates != null) {
            for (String c : candidates) {
                if (s.regionMatches(from, c, 0, length)) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Lower-case long form of a header name ("v" and "VIA" both give "via"). */
    public static String key(String name) {
        String exact = EXACT.get(name);
        if (exact != null) {
            return exact;
        }
        if (name.length() == 1) {
            String c = COMPACT.get(name.toLowerCase(Locale.ROOT));
            if (c != null) {
                return c;
            }
        }
        // Fast path for already-canonical common names avoids allocating.
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                return name.toLowerCase(Locale.ROOT);
            }
        }
        return name;
    }

    /** Preferred spelling for a header name, e.g. "call-id" and "i" give "Call-ID". */
    public static String canonicalName(String name) {
        String key = key(name);
        String c = CANONICAL.get(key);
        return c != null ? c : name;
    }

    /** True when values of this header form a comma-separated list that may be split. */
    public static boolean isList(String key) {
        return LIST_HEADERS.contains(key);
    }

    public static boolean isSingle(String key) {
        return SINGLE_HEADERS.contains(key);
    }
}
