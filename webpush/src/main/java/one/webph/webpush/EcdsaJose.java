package one.webph.webpush;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Converts ECDSA P-256 signatures between the DER form the JDK's {@code SHA256withECDSA} produces
 * (SEQUENCE { INTEGER r, INTEGER s }) and the fixed 64-byte r || s form JWS ES256 requires (RFC 7518 section 3.4).
 */
public final class EcdsaJose {
    public static final int JOSE_LENGTH = 64;
    private static final int HALF = JOSE_LENGTH / 2;

    private EcdsaJose() {
    }

    public static byte[] derToJose(byte[] der) {
        if (der == null || der.length < 8 || der[0] != 0x30) {
            throw new IllegalArgumentException("ECDSA signature is not a DER SEQUENCE");
        }
        int[] pos = {1};
        int sequenceLength = readLength(der, pos);
        if (pos[0] + sequenceLength != der.length) {
            throw new IllegalArgumentException("ECDSA signature DER length mismatch");
        }
        byte[] out = new byte[JOSE_LENGTH];
        readInteger(der, pos, out, 0);
        readInteger(der, pos, out, HALF);
        if (pos[0] != der.length) {
            throw new IllegalArgumentException("ECDSA signature has trailing bytes");
        }
        return out;
    }

    public static byte[] joseToDer(byte[] jose) {
        if (jose == null || jose.length != JOSE_LENGTH) {
            throw new IllegalArgumentException("ES256 signature must be 64 bytes");
        }
        byte[] r = derInteger(Arrays.copyOfRange(jose, 0, HALF));
        byte[] s = derInteger(Arrays.copyOfRange(jose, HALF, JOSE_LENGTH));
        ByteArrayOutputStream out = new ByteArrayOutputStream(72);
        out.write(0x30);
        writeLength(out, r.length + s.length);
        out.writeBytes(r);
        out.writeBytes(s);
        return out.toByteArray();
    }

    private static void readInteger(byte[] der, int[] pos, byte[] out, int offset) {
        if (pos[0] >= der.length || der[pos[0]] != 0x02) {
            throw new IllegalArgumentException("ECDSA signature: expected DER INTEGER");
        }
        pos[0]++;
        int length = readLength(der, pos);
        if (length == 0 || pos[0] + length > der.length) {
            throw new IllegalArgumentException("ECDSA signature: bad INTEGER length");
        }
        int start = pos[0];
        int end = start + length;
        // Drop the sign-padding zero bytes DER adds when the high bit is set.
        while (start < end - 1 && der[start] == 0) {
            start++;
        }
        int significant = end - start;
        if (significant > HALF) {
            throw new IllegalArgumentException("ECDSA signature: INTEGER longer than 32 bytes");
        }
        System.arraycopy(der, start, out, offset + HALF - significant, significant);
        pos[0] = end;
    }

    private static int readLength(byte[] der, int[] pos) {
        if (pos[0] >= der.length) {
            throw new IllegalArgumentException("ECDSA signature truncated");
        }
        int first = der[pos[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        if (first == 0x81 && pos[0] < der.length) {
            return der[pos[0]++] & 0xff;
        }
        throw new IllegalArgumentException("ECDSA signature: unsupported DER length");
    }

    private static byte[] derInteger(byte[] unsigned) {
        int start = 0;
        while (start < unsigned.length - 1 && unsigned[start] == 0) {
            start++;
        }
        boolean needsZero = (unsigned[start] & 0x80) != 0;
        int length = unsigned.length - start + (needsZero ? 1 : 0);
        byte[] out = new byte[2 + length];
        out[0] = 0x02;
        out[1] = (byte) length;
        System.arraycopy(unsigned, start, out, 2 + (needsZero ? 1 : 0), unsigned.length - start);
        return out;
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length >= 0x80) {
            out.write(0x81);
        }
        out.write(length);
    }
}
