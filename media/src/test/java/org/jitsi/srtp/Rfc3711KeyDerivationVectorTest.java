package org.jitsi.srtp;

import static one.webph.media.TestResources.hex;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * RFC 3711 appendix B.3 key derivation vectors against the jitsi-srtp KDF the relay uses. Lives in jitsi's package
 * because the KDF class is package-private there.
 */
class Rfc3711KeyDerivationVectorTest {
    @Test
    void sessionKeysMatchAppendixB3() throws Exception {
        SrtpPolicy policy = new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, 16, SrtpPolicy.HMACSHA1_AUTHENTICATION, 20,
                10, 14);
        SrtpKdf kdf = new SrtpKdf(hex("E1F97A0D3E018BE0D64FA32C06DE4139"), hex("0EC675AD498AFEEBB6960B3AABE6"),
                policy);
        byte[] encryptionKey = new byte[16];
        kdf.deriveSessionKey(encryptionKey, SrtpKdf.LABEL_RTP_ENCRYPTION);
        assertThat(encryptionKey).isEqualTo(hex("C61E7A93744F39EE10734AFE3FF7A087"));
        byte[] salt = new byte[14];
        kdf.deriveSessionKey(salt, SrtpKdf.LABEL_RTP_SALT);
        assertThat(salt).isEqualTo(hex("30CBBC08863D8C85D49DB34A9AE1"));
        byte[] authKey = new byte[20];
        kdf.deriveSessionKey(authKey, SrtpKdf.LABEL_RTP_MSG_AUTH);
        assertThat(authKey).isEqualTo(hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
    }
}
