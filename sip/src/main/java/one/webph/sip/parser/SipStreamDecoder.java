package one.webph.sip.parser;

import one.webph.sip.message.SipMessage;

/**
 * Frames SIP messages on a byte stream (TCP, TLS): Content-Length framing is mandatory (RFC 3261 18.3), reads may
 * split or batch messages arbitrarily, and RFC 5626 keep-alives are recognised between messages: a double CRLF
 * is a ping (answer with a single CRLF), a single CRLF is a pong.
 *
 * <p>A message that frames correctly but is malformed inside is reported via
 * {@link Listener#onInvalidMessage} and decoding continues with the next one. A framing failure (no or bad
 * Content-Length, message over the size limit) makes {@link #feed} throw {@link SipParseException}: the stream
 * cannot be resynchronised and the connection must be closed. Not thread-safe; one decoder per connection.
 */
public final class SipStreamDecoder {

    /** Receives decoded items, synchronously from {@link #feed}. */
    public interface Listener {
        void onMessage(SipMessage message);

        /** CRLFCRLF received: the peer expects a CRLF pong (RFC 5626 section 4.4.1). */
        default void onKeepAlivePing() { }

        /** A lone CRLF received (a pong to our ping). */
        default void onKeepAlivePong() { }

        /** A correctly framed but malformed message; {@code e.canRespond()} says whether to answer 400. */
        default void onInvalidMessage(SipParseException e) { }
    }

    private final int maxMessageSize;
    private final Listener listener;
    private byte[] buf;
    private int start;
    private int end;
    private int scanFrom;
    private boolean failed;

    public SipStreamDecoder(int maxMessageSize, Listener listener) {
        this.maxMessageSize = maxMessageSize;
        this.listener = listener;
        this.buf = new byte[Math.min(maxMessageSize + 4, 4096)];
    }

    /** Bytes buffered but not yet decoded (a partial message). */
    public int buffered() {
        return end - start;
    }

    public void feed(byte[] data) {
        feed(data, 0, data.length);
    }

    /**
     * Appends received bytes and emits every complete item.
     * @throws SipParseException on a framing error; the decoder is then unusable
     */
    public void feed(byte[] data, int off, int len) {
        if (failed) {
            throw new SipParseException("stream decoder already failed");
        }
        append(data, off, len);
        try {
            while (decodeOne()) {
                // keep going
            }
        } catch (SipParseException e) {
            failed = true;
            throw e;
        }
        if (start == end) {
            start = end = scanFrom = 0;
        }
    }

    private void append(byte[] data, int off, int len) {
        if (end + len > buf.length) {
            int live = end - start;
            if (live + len <= buf.length && start > 0) {
                System.arraycopy(buf, start, buf, 0, live);
            } else {
                byte[] nb = new byte[Math.max(buf.length * 2, live + len)];
                System.arraycopy(buf, start, nb, 0, live);
                buf = nb;
            }
            scanFrom -= start;
            start = 0;
            end = live;
        }
        System.arraycopy(data, off, buf, end, len);
        end += len;
    }

    /** Decodes one item at the buffer head; false when more bytes are needed. */
    private boolean decodeOne() {
        int avail = end - start;
        if (avail == 0) {
            return false;
        }
        if (buf[start] == '\r' || buf[start] == '\n') {
            return keepAlive(avail);
        }
        if (scanFrom < start) {
            scanFrom = start;
        }
        int headerEnd = SipMessageParser.findHeaderEnd(buf, Math.max(start, scanFrom - 3), end);
        if (headerEnd < 0) {
            scanFrom = end;
            if (avail > maxMessageSize) {
                throw new SipParseException("header section exceeds " + maxMessageSize + " bytes");
            }
            return false;
        }
        int contentLength = findContentLength(buf, start, headerEnd);
        long total = (long) (headerEnd - start) + contentLength;
        if (total > maxMessageSize) {
            throw new SipParseException("message of " + total + " bytes exceeds limit of " + maxMessageSize);
        }
        if (end - start < total) {
            return false;
        }
        int msgStart = start;
        int msgEnd = (int) (start + total);
        start = msgEnd;
        scanFrom = start;
        SipMessage m;
        try {
            m = SipMessageParser.parseFramed(buf, msgStart, msgEnd);
        } catch (SipParseException e) {
            listener.onInvalidMessage(e);
            return true;
        }
        listener.onMessage(m);
        return true;
    }

    private boolean keepAlive(int avail) {
        if (avail >= 4 && buf[start] == '\r' && buf[start + 1] == '\n' && buf[start + 2] == '\r' && buf[start + 3] == '\n') {
            start += 4;
            listener.onKeepAlivePing();
            return true;
        }
        if (avail >= 2 && buf[start] == '\r' && buf[start + 1] == '\n') {
            // A lone CRLF is a pong, unless it is the first half of a ping still in flight: wait for one more byte.
            if (avail == 2) {
                return false;
            }
            if (buf[start + 2] == '\r') {
                if (avail == 3) {
                    return false;
                }
                // "\r\n\r" + something other than '\n': treat the first CRLF as a pong.
            }
            start += 2;
            listener.onKeepAlivePong();
            return true;
        }
        if (buf[start] == '\n') {
            start += 1; // stray LF between messages: ignore
            return true;
        }
        if (avail == 1) {
            return false;
        }
        start += 1; // stray CR
        return true;
    }

    /**
     * Finds the Content-Length (or compact "l") header in the header section {@code [from, to)}.
     * @throws SipParseException when absent, malformed or repeated with different values
     */
    static int findContentLength(byte[] b, int from, int to) {
        int result = -1;
        int i = from;
        // skip start line
        while (i < to && b[i] != '\n') {
            i++;
        }
        i++;
        while (i < to) {
            int lineStart = i;
            while (i < to && b[i] != '\n') {
                i++;
            }
            int lineEnd = i;
            i++;
            if (lineEnd > lineStart && b[lineEnd - 1] == '\r') {
                lineEnd--;
            }
            if (lineEnd == lineStart || b[lineStart] == ' ' || b[lineStart] == '\t') {
                continue;
            }
            int nameEnd = lineStart;
            while (nameEnd < lineEnd && b[nameEnd] != ':' && b[nameEnd] != ' ' && b[nameEnd] != '\t') {
                nameEnd++;
            }
            if (!isContentLengthName(b, lineStart, nameEnd)) {
                continue;
            }
            int p = nameEnd;
            while (p < lineEnd && (b[p] == ' ' || b[p] == '\t')) {
                p++;
            }
            if (p >= lineEnd || b[p] != ':') {
                throw new SipParseException("malformed Content-Length line");
            }
            p++;
            while (p < lineEnd && (b[p] == ' ' || b[p] == '\t')) {
                p++;
            }
            int ds = p;
            long v = 0;
            while (p < lineEnd && b[p] >= '0' && b[p] <= '9') {
                v = v * 10 + (b[p] - '0');
                if (v > Integer.MAX_VALUE) {
                    throw new SipParseException("Content-Length too large");
                }
                p++;
            }
            while (p < lineEnd && (b[p] == ' ' || b[p] == '\t')) {
                p++;
            }
            if (p == ds || p != lineEnd) {
                throw new SipParseException("malformed Content-Length value");
            }
            if (result >= 0 && result != v) {
                throw new SipParseException("conflicting Content-Length headers");
            }
            result = (int) v;
        }
        if (result < 0) {
            throw new SipParseException("Content-Length required on stream transports");
        }
        return result;
    }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean isContentLengthName(byte[] b, int from, int to) {
        int n = to - from;
        if (n == 1) {
            return b[from] == 'l' || b[from] == 'L';
        }
        if (n != CONTENT_LENGTH.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if ((b[from + i] | 0x20) != CONTENT_LENGTH[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "SipStreamDecoder[buffered=" + buffered() + ", failed=" + failed + "]";
    }
}
