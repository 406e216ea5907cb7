package one.webph.media.ng;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bencode (BitTorrent BEP 3), the encoding of RTPEngine's NG control protocol. Decoded values are
 * {@code Map<String, Object>} (insertion order kept), {@code List<Object>}, {@code String} and {@code Long}.
 *
 * <p>Decoding is strict and bounded: integers without leading zeros or "-0" and within a long, byte strings whose
 * declared length fits in the input and which are UTF-8 text (NG carries only text: commands, tags, SDP), dictionary
 * keys unique, nesting at most {@link #MAX_DEPTH} deep, nothing after the value. Key order is not enforced because
 * NG peers (Kamailio's rtpengine module, RTPEngine itself) do not sort their keys; encoding writes keys sorted, as
 * BEP 3 asks.
 */
public final class Bencode {
    public static final int MAX_DEPTH = 32;

    private Bencode() {
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes a String, byte[], integral Number (Long, Integer, Short, Byte), Boolean (as 1/0), Map with String
     * keys, or Collection of those.
     */
    public static byte[] encode(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        write(out, value, 0);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new BencodeException("value nested deeper than " + MAX_DEPTH);
        }
        if (value instanceof String s) {
            writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
        } else if (value instanceof byte[] b) {
            writeBytes(out, b);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            writeAscii(out, "i" + ((Number) value).longValue() + "e");
        } else if (value instanceof Boolean b) {
            writeAscii(out, b ? "i1e" : "i0e");
        } else if (value instanceof Map<?, ?> map) {
            TreeMap<byte[], Object> sorted = new TreeMap<>(java.util.Arrays::compareUnsigned);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new BencodeException("dictionary key is not a string: " + e.getKey());
                }
                if (e.getValue() == null) {
                    throw new BencodeException("null value for key " + key);
                }
                sorted.put(key.getBytes(StandardCharsets.UTF_8), e.getValue());
            }
            out.write('d');
            for (Map.Entry<byte[], Object> e : sorted.entrySet()) {
                writeBytes(out, e.getKey());
                write(out, e.getValue(), depth + 1);
            }
            out.write('e');
        } else if (value instanceof Collection<?> list) {
            out.write('l');
            for (Object item : list) {
                if (item == null) {
                    throw new BencodeException("null list element");
                }
                write(out, item, depth + 1);
            }
            out.write('e');
        } else {
            throw new BencodeException("cannot bencode " + (value == null ? "null" : value.getClass().getName()));
        }
    }

    private static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
        writeAscii(out, bytes.length + ":");
        out.write(bytes, 0, bytes.length);
    }

    private static void writeAscii(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
    }

    // ---------------------------------------------------------------- decoding

    public static Object decode(byte[] data) {
        return decode(data, 0, data.length);
    }

    /** Decodes exactly one value filling {@code data[offset, offset+length)}. */
    public static Object decode(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IndexOutOfBoundsException("bad range");
        }
        Decoder d = new Decoder(data, offset, offset + length);
        Object value = d.value(0);
        if (d.pos != d.end) {
            throw new BencodeException("trailing data after the value at byte " + (d.pos - offset));
        }
        return value;
    }

    /** Decodes a value that must be a dictionary (an NG message). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> decodeDictionary(byte[] data, int offset, int length) {
        Object value = decode(data, offset, length);
        if (!(value instanceof Map)) {
            throw new BencodeException("expected a dictionary");
        }
        return (Map<String, Object>) value;
    }

    private static final class Decoder {
        final byte[] data;
        final int start;
        final int end;
        int pos;

        Decoder(byte[] data, int start, int end) {
            this.data = data;
            this.start = start;
            this.end = end;
            this.pos = start;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            if (pos >= end) {
                throw error("unexpected end of data");
            }
            byte b = data[pos];
            switch (b) {
                case 'i' -> {
                    pos++;
                    long v = integer('e');
                    return v;
                }
                case 'l' -> {
                    pos++;
                    List<Object> list = new ArrayList<>();
                    while (peek() != 'e') {
                        list.add(value(depth + 1));
                    }
                    pos++;
                    return list;
                }
                case 'd' -> {
                    pos++;
                    Map<String, Object> map = new LinkedHashMap<>();
                    while (peek() != 'e') {
                        if (data[pos] < '0' || data[pos] > '9') {
                            throw error("dictionary key is not a byte string");
                        }
                        String key = string();
                        Object v = value(depth + 1);
                        if (map.putIfAbsent(key, v) != null) {
                            throw error("duplicate dictionary key '" + key + "'");
                        }
                    }
                    pos++;
                    return map;
                }
                default -> {
                    if (b >= '0' && b <= '9') {
                        return string();
                    }
                    throw error("unexpected byte 0x" + Integer.toHexString(b & 0xff));
                }
            }
        }

        private byte peek() {
            if (pos >= end) {
                throw error("unterminated list or dictionary");
            }
            return data[pos];
        }

        private String string() {
            long length = integer(':');
            if (length > end - pos) {
                throw error("byte string of " + length + " bytes runs past the end of data");
            }
            int from = pos;
            pos += (int) length;
            if (isAscii(data, from, pos)) {
                // nearly every NG string (SDP, keys, ids): a straight copy, no decoder and buffers per string
                return new String(data, from, (int) length, StandardCharsets.ISO_8859_1);
            }
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(data, from, (int) length)).toString();
            } catch (CharacterCodingException e) {
                throw error("byte string is not UTF-8 text");
            }
        }

        private static boolean isAscii(byte[] b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (b[i] < 0) {
                    return false;
                }
            }
            return true;
        }

        /** Reads a decimal integer up to {@code terminator}; a negative value only for integers ('e'). */
        private long integer(char terminator) {
            int from = pos;
            boolean negative = false;
            if (terminator == 'e' && pos < end && data[pos] == '-') {
                negative = true;
                pos++;
            }
            int digitsFrom = pos;
            long value = 0;
            while (pos < end && data[pos] >= '0' && data[pos] <= '9') {
                int digit = data[pos] - '0';
                if (value > (Long.MAX_VALUE - digit) / 10) {
                    throw error("integer out of range");
                }
                value = value * 10 + digit;
                pos++;
            }
            int digits = pos - digitsFrom;
            if (digits == 0) {
                throw error("missing digits");
            }
            if (digits > 1 && data[digitsFrom] == '0') {
                throw error("leading zero in integer");
            }
            if (negative && value == 0) {
                throw error("negative zero");
            }
            if (pos >= end || data[pos] != terminator) {
                throw new BencodeException("expected '" + terminator + "' at byte " + (pos - start)
                        + " after the number starting at byte " + (from - start));
            }
            pos++;
            return negative ? -value : value;
        }

        private BencodeException error(String message) {
            return new BencodeException(message + " at byte " + (pos - start));
        }
    }
}
