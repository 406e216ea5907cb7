package one.webph.sip.message;

import java.util.ArrayList;
import java.util.List;
import one.webph.sip.parser.SipParseException;

/**
 * One Contact header value: either the wildcard {@code *} (REGISTER removal of all bindings) or an address with
 * parameters such as {@code expires}, {@code q}, {@code +sip.instance} (RFC 5626) and {@code reg-id}.
 */
public final class Contact {
    public static final Contact WILDCARD = new Contact(null);

    /** Largest delta-seconds value (RFC 3261 section 25: larger values are taken as 2**32-1). */
    public static final long MAX_DELTA_SECONDS = 4294967295L;

    private final NameAddress address;

    private Contact(NameAddress address) {
        this.address = address;
    }

    public static Contact of(NameAddress address) {
        return new Contact(java.util.Objects.requireNonNull(address));
    }

    /**
     * Parses a Contact header value (comma list, or {@code *}).
     * @throws SipParseException when malformed
     */
    public static List<Contact> parseList(String value) {
        String trimmed = value.strip();
        if (trimmed.equals("*")) {
            return List.of(WILDCARD);
        }
        ValueScanner sc = new ValueScanner(value, "Contact");
        List<Contact> out = new ArrayList<>(1);
        while (true) {
            NameAddress na = NameAddress.parse(sc, true);
            Contact c = new Contact(na);
            c.validate(sc);
            out.add(c);
            sc.skipLws();
            if (sc.atEnd()) {
                return out;
            }
            sc.expect(',');
        }
    }

    private void validate(ValueScanner sc) {
        String e = address.params().getRaw("expires");
        if (address.params().has("expires") && !isDigits(e)) {
            throw sc.error("bad expires parameter");
        }
        String q = address.params().getRaw("q");
        if (address.params().has("q") && !isQValue(q)) {
            throw sc.error("bad q parameter");
        }
    }

    static boolean isDigits(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isQValue(String q) {
        if (q == null || q.isEmpty() || (q.charAt(0) != '0' && q.charAt(0) != '1')) {
            return false;
        }
        try {
            double d = Double.parseDouble(q);
            return d >= 0 && d <= 1 && q.length() <= 5;
        } catch (NumberFormatException ex) {
            return false;
        }
    }

    public boolean isWildcard() {
        return address == null;
    }

    /** The address; null for the wildcard. */
    public NameAddress address() {
        return address;
    }

    public Uri uri() {
        return address == null ? null : address.uri();
    }

    public Parameters params() {
        return address == null ? Parameters.EMPTY : address.params();
    }

    /** The expires parameter (clamped to 2**32-1), or -1 when absent. */
    public long expires() {
        String e = params().get("expires");
        return e == null ? -1 : parseDeltaSeconds(e);
    }

    /** The q parameter, or -1 when absent. */
    public double q() {
        String q = params().get("q");
        return q == null ? -1 : Double.parseDouble(q);
    }

    /** The {@code +sip.instance} value without quotes (e.g. {@code <urn:uuid:...>}), or null. */
    public String instanceId() {
        return params().get("+sip.instance");
    }

    /** RFC 5626 reg-id, or -1. */
    public int regId() {
        String r = params().get("reg-id");
        if (r == null || !isDigits(r) || r.length() > 9) {
            return -1;
        }
        return Integer.parseInt(r);
    }

    public Contact withExpires(long seconds) {
        return new Contact(address.withParam("expires", Long.toString(seconds)));
    }

    public Contact withAddress(NameAddress address) {
        return new Contact(address);
    }

    static long parseDeltaSeconds(String digits) {
        if (digits.length() > 10) {
            return MAX_DELTA_SECONDS;
        }
        long v = Long.parseLong(digits);
        return Math.min(v, MAX_DELTA_SECONDS);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Contact c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return address == null ? "*" : address.toString();
    }
}
