package one.webph.media.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * STUN message codec (RFC 8489): 20-byte header, TLV attributes padded to 4 bytes, MESSAGE-INTEGRITY (HMAC-SHA1)
 * and FINGERPRINT (CRC-32 xor 0x5354554E) computed over the message with the length field adjusted as the RFC
 * requires. Messages are immutable; decoding keeps the raw bytes so integrity can be verified afterwards.
 */
public final class StunMessage {
    public static final int MAGIC_COOKIE = 0x2112A442;
    public static final int HEADER_LENGTH = 20;
    private static final int FINGERPRINT_XOR = 0x5354554E;
    private static final SecureRandom RANDOM = new SecureRandom();

    // class bits (RFC 8489 section 5: C1 at bit 8, C0 at bit 4)
    public static final int CLASS_REQUEST = 0x000;
    public static final int CLASS_INDICATION = 0x010;
    public static final int CLASS_SUCCESS = 0x100;
    public static final int CLASS_ERROR = 0x110;
    public static final int METHOD_BINDING = 0x001;

    public static final int BINDING_REQUEST = METHOD_BINDING | CLASS_REQUEST;
    public static final int BINDING_SUCCESS = METHOD_BINDING | CLASS_SUCCESS;
    public static final int BINDING_ERROR = METHOD_BINDING | CLASS_ERROR;

    private final int type;
    private final byte[] transactionId;
    private final List<StunAttribute> attributes;
    /** Raw bytes as received (null for messages built locally). */
    private final byte[] raw;
    /** Offsets into raw of each attribute header, parallel to attributes. */
    private final int[] offsets;

    private StunMessage(int type, byte[] transactionId, List<StunAttribute> attributes, byte[] raw, int[] offsets) {
        this.type = type;
        this.transactionId = transactionId;
        this.attributes = attributes;
        this.raw = raw;
        this.offsets = offsets;
    }

    public static byte[] newTransactionId() {
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return id;
    }

    /** Cheap test used by the RFC 7983 demultiplexer: top two bits zero and the magic cookie present. */
    public static boolean looksLikeStun(byte[] data, int offset, int length) {
        return length >= HEADER_LENGTH && (data[offset] & 0xC0) == 0
                && ByteBuffer.wrap(data, offset + 4, 4).getInt() == MAGIC_COOKIE;
    }

    public static StunMessage decode(byte[] data) throws StunException {
        return decode(data, 0, data.length);
    }

    public static StunMessage decode(byte[] data, int offset, int length) throws StunException {
        if (length < HEADER_LENGTH) {
            throw new StunException("STUN message shorter than its header: " + length);
        }
        ByteBuffer b = ByteBuffer.wrap(data, offset, length);
        int type = b.getShort() & 0xFFFF;
        int bodyLength = b.getShort() & 0xFFFF;
        if ((type & 0xC000) != 0) {
            throw new StunException("top bits of STUN type are not zero");
        }
        if (b.getInt() != MAGIC_COOKIE) {
            throw new StunException("missing STUN magic cookie");
        }
        if (bodyLength % 4 != 0 || bodyLength != length - HEADER_LENGTH) {
            throw new StunException("STUN length " + bodyLength + " does not match datagram of " + length + " bytes");
        }
        byte[] tid = new byte[12];
        b.get(tid);
        List<StunAttribute> attrs = new ArrayList<>();
        List<Integer> offs = new ArrayList<>();
        while (b.remaining() > 0) {
            if (b.remaining() < 4) {
                throw new StunException("truncated STUN attribute header");
            }
            int attrOffset = b.position() - offset;
            int attrType = b.getShort() & 0xFFFF;
            int attrLength = b.getShort() & 0xFFFF;
            int padded = (attrLength + 3) & ~3;
            if (padded > b.remaining()) {
                throw new StunException("STUN attribute 0x" + Integer.toHexString(attrType) + " overruns the message");
            }
            byte[] value = new byte[attrLength];
            b.get(value);
            b.position(b.position() + padded - attrLength);
            attrs.add(new StunAttribute(attrType, value));
            offs.add(attrOffset);
        }
        byte[] raw = Arrays.copyOfRange(data, offset, offset + length);
        return new StunMessage(type, tid, Collections.unmodifiableList(attrs), raw,
                offs.stream().mapToInt(Integer::intValue).toArray());
    }

    public int type() {
        return type;
    }

    public int method() {
        return type & ~0x110;
    }

    public int messageClass() {
        return type & 0x110;
    }

    public byte[] transactionId() {
        return transactionId.clone();
    }

    public List<StunAttribute> attributes() {
        return attributes;
    }

    public StunAttribute attribute(int attrType) {
        for (StunAttribute a : attributes) {
            if (a.type() == attrType) {
                return a;
            }
        }
        return null;
    }

    public boolean has(int attrType) {
        return attribute(attrType) != null;
    }

    public String username() {
        StunAttribute a = attribute(StunAttribute.USERNAME);
        return a == null ? null : new String(a.value(), StandardCharsets.UTF_8);
    }

    /** ERROR-CODE as class*100+number, or -1. */
    public int errorCode() {
        StunAttribute a = attribute(StunAttribute.ERROR_CODE);
        if (a == null || a.value().length < 4) {
            return -1;
        }
        return (a.value()[2] & 0x07) * 100 + (a.value()[3] & 0xFF);
    }

    public InetSocketAddress xorMappedAddress() throws StunException {
        StunAttribute a = attribute(StunAttribute.XOR_MAPPED_ADDRESS);
        return a == null ? null : decodeXorAddress(a.value(), transactionId);
    }

    /**
     * Verifies FINGERPRINT if present. Returns false when it is present but wrong, or when it is not the last
     * attribute.
     */
    public boolean fingerprintValid() {
        int index = indexOf(StunAttribute.FINGERPRINT);
        if (index < 0) {
            return false;
        }
        if (index != attributes.size() - 1 || raw == null) {
            return false;
        }
        byte[] value = attributes.get(index).value();
        if (value.length != 4) {
            return false;
        }
        int end = offsets[index];
        int expected = crc(raw, end, end + 8 - HEADER_LENGTH);
        return ByteBuffer.wrap(value).getInt() == expected;
    }

    /**
     * Verifies MESSAGE-INTEGRITY (HMAC-SHA1) with the given key: the short-term password bytes for ICE, or
     * MD5(username:realm:password) for long-term credentials. Attributes after it other than FINGERPRINT make the
     * check fail, as RFC 8489 section 14.5 says they must be ignored, and we do not accept them silently.
     */
    public boolean integrityValid(byte[] key) {
        int index = indexOf(StunAttribute.MESSAGE_INTEGRITY);
        if (index < 0 || raw == null) {
            return false;
        }
        for (int i = index + 1; i < attributes.size(); i++) {
            if (attributes.get(i).type() != StunAttribute.FINGERPRINT) {
                return false;
            }
        }
        byte[] value = attributes.get(index).value();
        if (value.length != 20) {
            return false;
        }
        int end = offsets[index];
        byte[] mac = hmac(key, raw, end, end + 24 - HEADER_LENGTH);
        return MessageDigest.isEqual(mac, value);
    }

    private int indexOf(int attrType) {
        for (int i = 0; i < attributes.size(); i++) {
            if (attributes.get(i).type() == attrType) {
                return i;
            }
        }
        return -1;
    }

    /** Long-term credential key (RFC 8489 section 9.2.2, MD5 algorithm): MD5(username ":" realm ":" password). */
    public static byte[] longTermKey(String username, String realm, String password) {
        try {
            return MessageDigest.getInstance("MD5")
                    .digest((username + ":" + realm + ":" + password).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    /** Computes HMAC-SHA1 over raw[0, end) with the header length field replaced by {@code adjustedLength}. */
    static byte[] hmac(byte[] key, byte[] message, int end, int adjustedLength) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(key, "HmacSHA1"));
            byte[] header = Arrays.copyOf(message, HEADER_LENGTH);
            header[2] = (byte) (adjustedLength >> 8);
            header[3] = (byte) adjustedLength;
            mac.update(header);
            mac.update(message, HEADER_LENGTH, end - HEADER_LENGTH);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }

    static int crc(byte[] message, int end, int adjustedLength) {
        CRC32 crc = new CRC32();
        byte[] header = Arrays.copyOf(message, HEADER_LENGTH);
        header[2] = (byte) (adjustedLength >> 8);
        header[3] = (byte) adjustedLength;
        crc.update(header);
        crc.update(message, HEADER_LENGTH, end - HEADER_LENGTH);
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }

    public static byte[] encodeXorAddress(InetSocketAddress address, byte[] transactionId) {
        byte[] ip = address.getAddress().getAddress();
        byte[] value = new byte[4 + ip.length];
        value[1] = (byte) (ip.length == 4 ? 0x01 : 0x02);
        int xport = address.getPort() ^ (MAGIC_COOKIE >>> 16);
        value[2] = (byte) (xport >> 8);
        value[3] = (byte) xport;
        byte[] mask = xorMask(transactionId);
        for (int i = 0; i < ip.length; i++) {
            value[4 + i] = (byte) (ip[i] ^ mask[i]);
        }
        return value;
    }

    public static InetSocketAddress decodeXorAddress(byte[] value, byte[] transactionId) throws StunException {
        if (value.length < 4) {
            throw new StunException("XOR-MAPPED-ADDRESS too short");
        }
        int family = value[1] & 0xFF;
        int ipLength = family == 0x01 ? 4 : family == 0x02 ? 16 : -1;
        if (ipLength < 0 || value.length != 4 + ipLength) {
            throw new StunException("bad XOR-MAPPED-ADDRESS family/length");
        }
        int port = (((value[2] & 0xFF) << 8) | (value[3] & 0xFF)) ^ (MAGIC_COOKIE >>> 16);
        byte[] mask = xorMask(transactionId);
        byte[] ip = new byte[ipLength];
        for (int i = 0; i < ipLength; i++) {
            ip[i] = (byte) (value[4 + i] ^ mask[i]);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new StunException("bad address bytes");
        }
    }

    private static byte[] xorMask(byte[] transactionId) {
        byte[] mask = new byte[16];
        ByteBuffer.wrap(mask).putInt(MAGIC_COOKIE).put(transactionId);
        return mask;
    }

    public static Builder builder(int type, byte[] transactionId) {
        return new Builder(type, transactionId);
    }

    /** Builds and encodes a message; integrity and fingerprint are appended last, in that order. */
    public static final class Builder {
        private final int type;
        private final byte[] transactionId;
        private final List<StunAttribute> attributes = new ArrayList<>();
        private byte paddingByte;

        private Builder(int type, byte[] transactionId) {
            if (transactionId.length != 12) {
                throw new IllegalArgumentException("transaction id must be 12 bytes");
            }
            this.type = type;
            this.transactionId = transactionId.clone();
        }

        public Builder add(int attrType, byte[] value) {
            attributes.add(new StunAttribute(attrType, value));
            return this;
        }

        public Builder add(int attrType, String value) {
            return add(attrType, value.getBytes(StandardCharsets.UTF_8));
        }

        public Builder addUint32(int attrType, long value) {
            return add(attrType, ByteBuffer.allocate(4).putInt((int) value).array());
        }

        public Builder addUint64(int attrType, long value) {
            return add(attrType, ByteBuffer.allocate(8).putLong(value).array());
        }

        public Builder addXorMappedAddress(InetSocketAddress address) {
            return add(StunAttribute.XOR_MAPPED_ADDRESS, encodeXorAddress(address, transactionId));
        }

        /** ERROR-CODE (RFC 8489 section 14.8). */
        public Builder addErrorCode(int code, String reason) {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + text.length);
            b.putShort((short) 0).put((byte) (code / 100)).put((byte) (code % 100)).put(text);
            return add(StunAttribute.ERROR_CODE, b.array());
        }

        /**
         * Padding bytes are ignored by receivers (RFC 8489 section 14); zero by default. RFC 5769's vectors use
         * spaces, which is why this is settable.
         */
        public Builder paddingByte(byte value) {
            this.paddingByte = value;
            return this;
        }

        public byte[] encode() {
            return encode(null, false);
        }

        /**
         * @param integrityKey when non-null, MESSAGE-INTEGRITY is appended (HMAC-SHA1 with this key)
         * @param fingerprint  whether FINGERPRINT is appended last
         */
        public byte[] encode(byte[] integrityKey, boolean fingerprint) {
            int bodyLength = 0;
            for (StunAttribute a : attributes) {
                bodyLength += 4 + ((a.value().length + 3) & ~3);
            }
            int total = HEADER_LENGTH + bodyLength + (integrityKey != null ? 24 : 0) + (fingerprint ? 8 : 0);
            ByteBuffer b = ByteBuffer.allocate(total);
            b.putShort((short) type).putShort((short) bodyLength).putInt(MAGIC_COOKIE).put(transactionId);
            for (StunAttribute a : attributes) {
                b.putShort((short) a.type()).putShort((short) a.value().length).put(a.value());
                for (int i = a.value().length; i % 4 != 0; i++) {
                    b.put(paddingByte);
                }
            }
            byte[] out = b.array();
            if (integrityKey != null) {
                int end = b.position();
                byte[] mac = hmac(integrityKey, out, end, end + 24 - HEADER_LENGTH);
                b.putShort((short) StunAttribute.MESSAGE_INTEGRITY).putShort((short) 20).put(mac);
            }
            if (fingerprint) {
                int end = b.position();
                int crc = crc(out, end, end + 8 - HEADER_LENGTH);
                b.putShort((short) StunAttribute.FINGERPRINT).putShort((short) 4).putInt(crc);
            }
            out[2] = (byte) ((total - HEADER_LENGTH) >> 8);
            out[3] = (byte) (total - HEADER_LENGTH);
            return out;
        }
    }
}
