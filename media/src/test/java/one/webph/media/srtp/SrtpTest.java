package one.webph.media.srtp;

import static one.webph.media.TestResources.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jitsi.srtp.crypto.Aes;
import org.jitsi.srtp.crypto.SrtpCipherCtr;
import org.junit.jupiter.api.Test;

class SrtpTest {
    static final byte[] MASTER_KEY = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
    static final byte[] MASTER_SALT = hex("0EC675AD498AFEEBB6960B3AABE6");
    static final byte[] OTHER_KEY = hex("00112233445566778899AABBCCDDEEFF");
    static final byte[] OTHER_SALT = hex("F0E0D0C0B0A09080706050403020");

    /** RFC 3711 appendix B.2: AES-CM keystream segments with session key and salt as given there. */
    @Test
    void aesCmKeystreamMatchesAppendixB2() throws Exception {
        SrtpCipherCtr cipher = new SrtpCipherCtr(Aes.createCipher("AES/CTR/NoPadding"));
        cipher.init(hex("2B7E151628AED2A6ABF7158809CF4F3C"), null);
        byte[] keystream = new byte[48];
        cipher.setIV(hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), Cipher.ENCRYPT_MODE);
        cipher.process(keystream, 0, keystream.length);
        assertThat(keystream).isEqualTo(hex("E03EAD0935C95E80E166B16DD92B4EB4"
                + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0"));
        // the last three blocks of the 2^16-block sequence (counter FEFF, FF00, FF01)
        keystream = new byte[48];
        cipher.setIV(hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"), Cipher.ENCRYPT_MODE);
        cipher.process(keystream, 0, keystream.length);
        assertThat(keystream).isEqualTo(hex("EC8CDF7398607CB0F2D21675EA9EA1E4"
                + "362B7C3C6773516318A077D7FC5073AE" + "6A2CC3787889374FBEB4C81B17BA6C44"));
    }

    static byte[] rtp(int seq, long ts, long ssrc, byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).put((byte) 0x80).put((byte) 0)
                .putShort((short) seq).putInt((int) ts).putInt((int) ssrc).put(payload).array();
    }

    /**
     * Cross-checks the jitsi-based transformer with a from-the-RFC computation using only JDK crypto:
     * KDF (4.3.1), AES-CM IV (4.1.1) and HMAC-SHA1 over packet || ROC (4.2).
     */
    @Test
    void protectedRtpMatchesIndependentRfc3711Computation() throws Exception {
        SrtpKeys keys = new SrtpKeys(SrtpProfile.AES128_CM_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT, OTHER_KEY, OTHER_SALT);
        byte[] payload = "sixteen bytes!!!and more audio..".getBytes();
        byte[] packet = rtp(4660, 0xDEADBEEFL, 0xCAFEBABEL, payload);
        byte[] srtp;
        try (SrtpTransformer transformer = new SrtpTransformer(keys)) {
            srtp = transformer.protectRtp(packet, 0, packet.length);
        }
        byte[] encKey = derive(MASTER_KEY, MASTER_SALT, 0, 16);
        byte[] authKey = derive(MASTER_KEY, MASTER_SALT, 1, 20);
        byte[] salt = derive(MASTER_KEY, MASTER_SALT, 2, 14);
        byte[] iv = new byte[16];
        System.arraycopy(salt, 0, iv, 0, 14);
        byte[] ssrcBytes = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE};
        for (int i = 0; i < 4; i++) {
            iv[4 + i] ^= ssrcBytes[i];
        }
        long index = 4660; // ROC 0
        for (int i = 0; i < 6; i++) {
            iv[8 + i] ^= (byte) (index >>> (8 * (5 - i)));
        }
        Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
        ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(encKey, "AES"), new IvParameterSpec(iv));
        byte[] expected = Arrays.copyOf(packet, packet.length + 10);
        byte[] encrypted = ctr.doFinal(payload);
        System.arraycopy(encrypted, 0, expected, 12, encrypted.length);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(authKey, "HmacSHA1"));
        mac.update(expected, 0, packet.length);
        mac.update(new byte[4]); // ROC
        System.arraycopy(mac.doFinal(), 0, expected, packet.length, 10);
        assertThat(srtp).isEqualTo(expected);
    }

    /** RFC 3711 4.3.1 with key_derivation_rate 0: AES(master key, (salt XOR label<<48) || 0x0000), as keystream. */
    private static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, int length) throws Exception {
        byte[] x = new byte[16];
        System.arraycopy(masterSalt, 0, x, 0, 14);
        x[7] ^= (byte) label;
        Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
        ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"), new IvParameterSpec(x));
        return ctr.doFinal(new byte[length]);
    }

    @Test
    void rtpAndRtcpRoundTripBetweenPeersAndTamperingIsRejected() {
        for (SrtpProfile profile : SrtpProfile.values()) {
            SrtpKeys ours = new SrtpKeys(profile, MASTER_KEY, MASTER_SALT, OTHER_KEY, OTHER_SALT);
            try (SrtpTransformer sender = new SrtpTransformer(ours);
                 SrtpTransformer receiver = new SrtpTransformer(ours.reversed())) {
                for (int seq = 65530; seq < 65540; seq++) { // crosses the sequence number wrap (ROC 0 -> 1)
                    byte[] packet = rtp(seq & 0xFFFF, 160L * seq, 0x01020304L, ("audio " + seq).getBytes());
                    byte[] srtp = sender.protectRtp(packet, 0, packet.length);
                    assertThat(srtp).hasSize(packet.length + profile.authTagLength());
                    assertThat(Arrays.copyOfRange(srtp, 12, packet.length))
                            .isNotEqualTo(Arrays.copyOfRange(packet, 12, packet.length));
                    assertThat(receiver.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(packet);
                    // replayed packet is refused
                    assertThat(receiver.unprotectRtp(srtp, 0, srtp.length)).isNull();
                }
                byte[] packet = rtp(7, 1120, 0x01020304L, "payload".getBytes());
                byte[] srtp = sender.protectRtp(packet, 0, packet.length);
                srtp[14] ^= 1;
                assertThat(receiver.unprotectRtp(srtp, 0, srtp.length)).isNull();

                byte[] rr = hex("81C90007 01020304 0A0B0C0D 05000010 0000FFFF 00000020 00000000 00000000");
                byte[] srtcp = sender.protectRtcp(rr, 0, rr.length);
                assertThat(srtcp).hasSize(rr.length + 4 + 10); // E-flag|index + 80-bit tag
                assertThat(receiver.unprotectRtcp(srtcp, 0, srtcp.length)).isEqualTo(rr);
                byte[] forged = srtcp.clone();
                forged[10] ^= 1;
                assertThat(receiver.unprotectRtcp(forged, 0, forged.length)).isNull();
            }
        }
    }

    @Test
    void exporterOutputIsSplitPerRfc5764() {
        byte[] material = new byte[60];
        for (int i = 0; i < material.length; i++) {
            material[i] = (byte) i;
        }
        SrtpKeys server = SrtpKeys.fromExporter(SrtpProfile.AES128_CM_HMAC_SHA1_80, material, false);
        SrtpKeys client = SrtpKeys.fromExporter(SrtpProfile.AES128_CM_HMAC_SHA1_80, material, true);
        assertThat(client.localMasterKey()).isEqualTo(Arrays.copyOfRange(material, 0, 16));
        assertThat(server.localMasterKey()).isEqualTo(Arrays.copyOfRange(material, 16, 32));
        assertThat(client.localMasterSalt()).isEqualTo(Arrays.copyOfRange(material, 32, 46));
        assertThat(server.localMasterSalt()).isEqualTo(Arrays.copyOfRange(material, 46, 60));
        assertThat(server.remoteMasterKey()).isEqualTo(client.localMasterKey());
        assertThat(client.reversed().localMasterKey()).isEqualTo(server.localMasterKey());
    }
}
