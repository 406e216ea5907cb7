package one.webph.sip.message;

import one.webph.sip.parser.SipParseException;

/** CSeq header: sequence number (below 2**31, RFC 3261 section 8.1.1.5) and method. */
public record CSeq(long number, String method) {
    public static final long MAX = (1L << 31) - 1;

    public CSeq {
        if (number < 0 || number > MAX) {
            throw new IllegalArgumentException("CSeq number out of range: " + number);
        }
        if (!SipText.isToken(method)) {
            throw new IllegalArgumentException("CSeq method is not a token: " + method);
        }
    }

    /** @throws SipParseException when malformed or out of range */
    public static CSeq parse(String value) {
        ValueScanner sc = new ValueScanner(value, "CSeq");
        sc.skipLws();
        int start = sc.pos;
        long n = 0;
        while (!sc.atEnd() && sc.peek() >= '0' && sc.peek() <= '9') {
            n = n * 10 + (sc.peek() - '0');
            if (n > MAX) {
                throw sc.error("sequence number not below 2**31");
            }
            sc.pos++;
        }
        if (sc.pos == start) {
            throw sc.error("missing sequence number");
        }
        int before = sc.pos;
        sc.skipLws();
        if (sc.pos == before) {
            throw sc.error("expected whitespace");
        }
        String method = sc.token();
        sc.skipLws();
        if (!sc.atEnd()) {
            throw sc.error("trailing characters");
        }
        return new CSeq(n, method);
    }

    @Override
    public String toString() {
        return number + " " + method;
    }
}
