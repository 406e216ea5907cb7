package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/** Validators for simple single-value headers. */
final class TypedValues {
    private TypedValues() {}

    /** Call-ID = word [ "@" word ]. */
    static String callId(String v) {
        int at = -1;
        if (v.isEmpty()) {
            throw new SipParseException("empty Call-ID");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '@' && at < 0 && i > 0 && i < v.length() - 1) {
                at = i;
            } else if (!SipText.isWord(c)) {
                throw new SipParseException("illegal character '" + SipText.printable(c) + "' in Call-ID");
            }
        }
        return v;
    }

    static Integer integer(String v, int max, String what) {
        if (!Contact.isDigits(v)) {
            throw new SipParseException(what + ": not a number: \"" + ValueScanner.abbreviate(v) + "\"");
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            n = n * 10 + (v.charAt(i) - '0');
            if (n > max) {
                throw new SipParseException(what + ": value too large");
            }
        }
        return (int) n;
    }

    static Long deltaSeconds(String v, String what) {
        if (!Contact.isDigits(v)) {
            throw new SipParseException(what + ": not a number: \"" + ValueScanner.abbreviate(v) + "\"");
        }
        return Contact.parseDeltaSeconds(v);
    }

    /** media-type = m-type "/" m-subtype *(SEMI m-parameter). Returns the value as written. */
    static String mediaType(String v) {
        ValueScanner sc = new ValueScanner(v, "Content-Type");
        sc.skipLws();
        sc.token();
        if (!sc.separator('/')) {
            throw sc.error("expected '/'");
        }
        sc.token();
        sc.params(false);
        return v;
    }

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    /** SIP-date = rfc1123-date: {@code Sun, 06 Nov 1994 08:49:37 GMT} (the zone must be GMT). */
    static String date(String v) {
        String[] p = v.trim().split(" +");
        boolean ok = p.length == 6 && p[0].length() == 4 && p[0].endsWith(",") && contains(DAYS, p[0].substring(0, 3))
                && p[1].length() == 2 && Contact.isDigits(p[1]) && contains(MONTHS, p[2])
                && p[3].length() == 4 && Contact.isDigits(p[3]) && p[4].length() == 8
                && Contact.isDigits(p[4].substring(0, 2)) && p[4].charAt(2) == ':'
                && Contact.isDigits(p[4].substring(3, 5)) && p[4].charAt(5) == ':'
                && Contact.isDigits(p[4].substring(6, 8)) && p[5].equals("GMT");
        if (!ok) {
            throw new SipParseException("Date: not an RFC 1123 date in GMT: \"" + ValueScanner.abbreviate(v) + "\"");
        }
        return v;
    }

    private static boolean contains(String[] a, String s) {
        for (String x : a) {
            if (x.equals(s)) {
                return true;
            }
        }
        return false;
    }
}
