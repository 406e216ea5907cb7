package one.webph.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VapidKeysTest {
    // RFC 8291 appendix A application-server key pair: a known-good P-256 pair in web-push's formats.
    private static final String PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private static final String PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";

    @Test
    void generatedKeysExportInWebPushFormatsAndReimport() {
        VapidKeys keys = VapidKeys.generate();
        byte[] pub = Base64.getUrlDecoder().decode(keys.publicKeyBase64Url());
        byte[] priv = Base64.getUrlDecoder().decode(keys.privateKeyBase64Url());
        assertThat(pub).hasSize(65);
        assertThat(pub[0]).isEqualTo((byte) 4);
        assertThat(priv).hasSize(32);
        assertThat(keys.publicKeyBase64Url()).doesNotContain("=", "+", "/");

        VapidKeys again = VapidKeys.fromBase64Url(keys.publicKeyBase64Url(), keys.privateKeyBase64Url());
        assertThat(again.publicKeyBase64Url()).isEqualTo(keys.publicKeyBase64Url());
        assertThat(again.privateKeyBase64Url()).isEqualTo(keys.privateKeyBase64Url());
    }

    @Test
    void importsKnownPairAndToleratesPadding() {
        VapidKeys keys = VapidKeys.fromBase64Url(PUBLIC + "=", PRIVATE + "=");
        assertThat(keys.publicKeyBase64Url()).isEqualTo(PUBLIC);
        assertThat(keys.privateKeyBase64Url()).isEqualTo(PRIVATE);
        assertThat(keys.toString()).contains(PUBLIC).doesNotContain(PRIVATE);
    }

    @Test
    void rejectsMismatchedOrMalformedKeys() {
        VapidKeys other = VapidKeys.generate();
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, other.privateKeyBase64Url()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same key pair");
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC.substring(0, 40), PRIVATE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65-byte");
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, "AAAA"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32-byte");
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(PUBLIC, Base64.getUrlEncoder().encodeToString(new byte[32])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> VapidKeys.fromBase64Url("not base64!", PRIVATE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("VAPID public key");
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(null, PRIVATE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
    }

    @Test
    void loadOrCreateCreatesOnceThenReloadsTheSameKeys(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("data/vapid.properties");
        VapidKeys created = VapidKeys.loadOrCreate(file);
        assertThat(file).exists();
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        VapidKeys reloaded = VapidKeys.loadOrCreate(file);
        assertThat(reloaded.publicKeyBase64Url()).isEqualTo(created.publicKeyBase64Url());
        assertThat(reloaded.privateKeyBase64Url()).isEqualTo(created.privateKeyBase64Url());
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temp files left behind").containsExactly(file);
        }
    }

    @Test
    void corruptKeyFileIsAnErrorNotSilentlyReplaced(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vapid.properties");
        Files.writeString(file, "publicKey=" + PUBLIC + "\nprivateKey=garbage\n");
        assertThatThrownBy(() -> VapidKeys.loadOrCreate(file)).isInstanceOf(IOException.class).hasMessageContaining("invalid");
        Files.writeString(file, "# nothing\n");
        assertThatThrownBy(() -> VapidKeys.loadOrCreate(file)).isInstanceOf(IOException.class).hasMessageContaining("lacks");
        assertThat(Files.readString(file)).isEqualTo("# nothing\n");
    }

    @Test
    void loadsAHandWrittenFileWithTheOriginalPushPublicAndPrivateValues(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vapid.properties");
        Files.writeString(file, "# migrated from PUSH_PUBLIC / PUSH_PRIVATE\n privateKey = " + PRIVATE + "\npublicKey=" + PUBLIC + "\n");
        assertThat(VapidKeys.load(file).publicKeyBase64Url()).isEqualTo(PUBLIC);
    }
}
