package one.webph.media.srtp;

/** DTLS-SRTP protection profiles we support (RFC 5764 section 4.1.2). Both use a 128-bit key and 112-bit salt. */
public enum SrtpProfile {
    AES128_CM_HMAC_SHA1_80(0x0001, 10),
    AES128_CM_HMAC_SHA1_32(0x0002, 4);

    public static final int MASTER_KEY_LENGTH = 16;
    public static final int MASTER_SALT_LENGTH = 14;

    private final int id;
    private final int authTagLength;

    SrtpProfile(int id, int authTagLength) {
        this.id = id;
        this.authTagLength = authTagLength;
    }

    /** The SRTPProtectionProfile value of the use_srtp extension. */
    public int id() {
        return id;
    }

    /** SRTP auth tag length in bytes; SRTCP always uses 10 (RFC 5764 section 4.1.2). */
    public int authTagLength() {
        return authTagLength;
    }

    public static SrtpProfile fromId(int id) {
        for (SrtpProfile p : values()) {
            if (p.id == id) {
                return p;
            }
        }
        throw new IllegalArgumentException("unsupported SRTP protection profile " + id);
    }
}
