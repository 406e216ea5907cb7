package one.webph.media.srtp;

import java.util.Arrays;

/**
 * SRTP master keys of one DTLS-SRTP association, from our point of view: {@code local*} protect what we send,
 * {@code remote*} unprotect what we receive.
 */
public record SrtpKeys(SrtpProfile profile, byte[] localMasterKey, byte[] localMasterSalt, byte[] remoteMasterKey,
                       byte[] remoteMasterSalt) {

    /**
     * Splits the output of the "EXTRACTOR-dtls_srtp" exporter (RFC 5764 section 4.2):
     * client_key | server_key | client_salt | server_salt.
     */
    public static SrtpKeys fromExporter(SrtpProfile profile, byte[] material, boolean weAreDtlsClient) {
        int k = SrtpProfile.MASTER_KEY_LENGTH;
        int s = SrtpProfile.MASTER_SALT_LENGTH;
        if (material.length != 2 * (k + s)) {
            throw new IllegalArgumentException("keying material must be " + 2 * (k + s) + " bytes");
        }
        byte[] clientKey = Arrays.copyOfRange(material, 0, k);
        byte[] serverKey = Arrays.copyOfRange(material, k, 2 * k);
        byte[] clientSalt = Arrays.copyOfRange(material, 2 * k, 2 * k + s);
        byte[] serverSalt = Arrays.copyOfRange(material, 2 * k + s, 2 * (k + s));
        return weAreDtlsClient
                ? new SrtpKeys(profile, clientKey, clientSalt, serverKey, serverSalt)
                : new SrtpKeys(profile, serverKey, serverSalt, clientKey, clientSalt);
    }

    /** The same association seen from the peer (for tests and loopback). */
    public SrtpKeys reversed() {
        return new SrtpKeys(profile, remoteMasterKey, remoteMasterSalt, localMasterKey, localMasterSalt);
    }
}
