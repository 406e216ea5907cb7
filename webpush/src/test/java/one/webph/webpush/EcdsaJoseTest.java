package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import org.junit.jupiter.api.Test;

class EcdsaJoseTest {

    @Test
    void derAndJoseFormsConvertBothWaysAndAgreeWithTheJdkP1363Form() throws Exception {
        KeyPair pair = P256.generateKeyPair();
        // Many signatures so r/s with high bit set and with leading zero bytes both occur.
        for (int i = 0; i < 100; i++) {
            byte[] data = ("message " + i).getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(pair.getPrivate());
            signer.update(data);
            byte[] der = signer.sign();

            byte[] jose = EcdsaJose.derToJose(der);
            assertThat(jose).hasSize(64);
            assertThat(EcdsaJose.joseToDer(jose)).isEqualTo(der);

            Signature p1363 = Signature.getInstance("SHA256withECDSAinP1363Format");
            p1363.initVerify(pair.getPublic());
            p1363.update(data);
            assertThat(p1363.verify(jose)).isTrue();
        }
    }

    @Test
    void smallIntegersArePaddedToThirtyTwoBytes() {
        byte[] der = {0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x7f};
        byte[] jose = EcdsaJose.derToJose(der);
        assertThat(jose[31]).isEqualTo((byte) 5);
        assertThat(jose[63]).isEqualTo((byte) 0x7f);
        assertThat(EcdsaJose.joseToDer(jose)).isEqualTo(der);
    }

    @Test
    void malformedInputIsRejected() {
        assertThatThrownBy(() -> EcdsaJose.derToJose(new byte[] {0x31, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x05}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EcdsaJose.derToJose(new byte[] {0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x05}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EcdsaJose.joseToDer(new byte[63])).isInstanceOf(IllegalArgumentException.class);
    }
}
