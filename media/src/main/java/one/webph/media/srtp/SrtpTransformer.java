package one.webph.media.srtp;

import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.srtp.SrtpPolicy;
import org.jitsi.utils.ByteArrayBuffer;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP/SRTCP (RFC 3711) protect/unprotect for one DTLS-SRTP association, built on jitsi-srtp's AES-CM +
 * HMAC-SHA1 contexts. One crypto context per SSRC and direction, created lazily (rollover counter starts at 0).
 *
 * <p>Methods return a new array with the transformed packet, or null when the packet fails authentication or
 * replay checks (such packets must be dropped, never forwarded).
 *
 * <p>Not thread-safe: a leg uses it from its own event loop only.
 */
public final class SrtpTransformer implements AutoCloseable {
    private static final Logger JITSI_LOGGER = new LoggerImpl(SrtpTransformer.class.getName());

    static {
        // Left alone, jitsi-srtp benchmarks every AES provider (OpenSSL via JNA, SunPKCS11, BC, SunJCE) on first
        // use, which takes seconds on the thread that first needs a cipher: an event loop here. SunJCE uses the
        // CPU's AES instructions and needs no native library.
        org.jitsi.srtp.crypto.Aes.setFactoryClassName("org.jitsi.srtp.crypto.Aes$SunJCECipherFactory");
    }
    /** Bound on contexts per direction so a peer spraying random SSRCs cannot grow memory without limit. */
    private static final int MAX_SSRCS = 64;

    private final SrtpContextFactory sendFactory;
    private final SrtpContextFactory receiveFactory;
    private final Map<Integer, SrtpCryptoContext> sendRtp = new HashMap<>();
    private final Map<Integer, SrtpCryptoContext> receiveRtp = new HashMap<>();
    private final Map<Integer, SrtcpCryptoContext> sendRtcp = new HashMap<>();
    private final Map<Integer, SrtcpCryptoContext> receiveRtcp = new HashMap<>();

    public SrtpTransformer(SrtpKeys keys) {
        SrtpPolicy srtp = policy(keys.profile().authTagLength());
        SrtpPolicy srtcp = policy(10);
        this.sendFactory = new SrtpContextFactory(true, keys.localMasterKey(), keys.localMasterSalt(), srtp, srtcp,
                JITSI_LOGGER);
        this.receiveFactory = new SrtpContextFactory(false, keys.remoteMasterKey(), keys.remoteMasterSalt(), srtp,
                policy(10), JITSI_LOGGER);
    }

    private static SrtpPolicy policy(int tagLength) {
        return new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, SrtpProfile.MASTER_KEY_LENGTH,
                SrtpPolicy.HMACSHA1_AUTHENTICATION, 20, tagLength, SrtpProfile.MASTER_SALT_LENGTH);
    }

    public byte[] protectRtp(byte[] packet, int offset, int length) {
        if (length < 12) {
            return null;
        }
        int ssrc = readInt(packet, offset + 8);
        try {
            SrtpCryptoContext ctx = context(sendRtp, ssrc, () -> sendFactory.deriveContext(ssrc, 0));
            if (ctx == null) {
                return null;
            }
            Buffer buf = new Buffer(packet, offset, length, ctx.getAuthTagLength());
            return ctx.transformPacket(buf) == SrtpErrorStatus.OK ? buf.toArray() : null;
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    public byte[] unprotectRtp(byte[] packet, int offset, int length) {
        if (length < 12) {
            return null;
        }
        int ssrc = readInt(packet, offset + 8);
        try {
            SrtpCryptoContext ctx = context(receiveRtp, ssrc, () -> receiveFactory.deriveContext(ssrc, 0));
            if (ctx == null) {
                return null;
            }
            Buffer buf = new Buffer(packet, offset, length, 0);
            return ctx.reverseTransformPacket(buf, false) == SrtpErrorStatus.OK ? buf.toArray() : null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    public byte[] protectRtcp(byte[] packet, int offset, int length) {
        if (length < 8) {
            return null;
        }
        int ssrc = readInt(packet, offset + 4);
        try {
            SrtcpCryptoContext ctx = context(sendRtcp, ssrc, () -> sendFactory.deriveControlContext(ssrc));
            if (ctx == null) {
                return null;
            }
            Buffer buf = new Buffer(packet, offset, length, 4 + ctx.getAuthTagLength());
            return ctx.transformPacket(buf) == SrtpErrorStatus.OK ? buf.toArray() : null;
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    public byte[] unprotectRtcp(byte[] packet, int offset, int length) {
        if (length < 8 + 4 + 4) {
            return null;
        }
        int ssrc = readInt(packet, offset + 4);
        try {
            SrtcpCryptoContext ctx = context(receiveRtcp, ssrc, () -> receiveFactory.deriveControlContext(ssrc));
            if (ctx == null) {
                return null;
            }
            Buffer buf = new Buffer(packet, offset, length, 0);
            return ctx.reverseTransformPacket(buf) == SrtpErrorStatus.OK ? buf.toArray() : null;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }

    private interface ContextMaker<T> {
        T make() throws GeneralSecurityException;
    }

    private static <T> T context(Map<Integer, T> map, int ssrc, ContextMaker<T> maker) throws GeneralSecurityException {
        T ctx = map.get(ssrc);
        if (ctx == null) {
            if (map.size() >= MAX_SSRCS) {
                return null;
            }
            ctx = maker.make();
            map.put(ssrc, ctx);
        }
        return ctx;
    }

    private static int readInt(byte[] p, int off) {
        return ((p[off] & 0xFF) << 24) | ((p[off + 1] & 0xFF) << 16) | ((p[off + 2] & 0xFF) << 8) | (p[off + 3] & 0xFF);
    }

    @Override
    public void close() {
        sendFactory.close();
        receiveFactory.close();
        sendRtp.clear();
        receiveRtp.clear();
        sendRtcp.clear();
        receiveRtcp.clear();
    }

    /** A growable copy of the packet that jitsi transforms in place. */
    static final class Buffer implements ByteArrayBuffer {
        private byte[] buffer;
        private int offset;
        private int length;

        Buffer(byte[] src, int srcOffset, int srcLength, int headroom) {
            this.buffer = new byte[srcLength + headroom];
            System.arraycopy(src, srcOffset, buffer, 0, srcLength);
            this.offset = 0;
            this.length = srcLength;
        }

        byte[] toArray() {
            byte[] out = new byte[length];
            System.arraycopy(buffer, offset, out, 0, length);
            return out;
        }

        @Override
        public byte[] getBuffer() {
            return buffer;
        }

        @Override
        public int getOffset() {
            return offset;
        }

        @Override
        public int getLength() {
            return length;
        }

        @Override
        public void setLength(int len) {
            this.length = len;
        }

        @Override
        public void setOffset(int off) {
            this.offset = off;
        }

        @Override
        public boolean isInvalid() {
            return false;
        }

        @Override
        public void readRegionToBuff(int off, int len, byte[] outBuff) {
            System.arraycopy(buffer, offset + off, outBuff, 0, len);
        }

        @Override
        public void grow(int howMuch) {
            if (howMuch > 0 && buffer.length - offset - length < howMuch) {
                byte[] bigger = new byte[offset + length + howMuch];
                System.arraycopy(buffer, 0, bigger, 0, offset + length);
                buffer = bigger;
            }
        }

        @Override
        public void append(byte[] data, int len) {
            grow(len);
            System.arraycopy(data, 0, buffer, offset + length, len);
            length += len;
        }

        @Override
        public void shrink(int len) {
            length = Math.max(0, length - len);
        }
    }
}
