package one.webph.server.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcmeCertificateStoreTest {
  @TempDir Path temp;

  @Test
  void accountKeyIsCreatedOnceAndReadBack() throws Exception {
    AcmeCertificateStore store = new AcmeCertificateStore(temp.resolve("acme"));
    KeyPair first = store.accountKey();
    KeyPair again = new AcmeCertificateStore(temp.resolve("acme")).accountKey();
    assertThat(again.getPublic()).isEqualTo(first.getPublic());
    assertThat(again.getPrivate()).isEqualTo(first.getPrivate());
    Path file = temp.resolve("acme").resolve(AcmeCertificateStore.ACCOUNT_KEY);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    // the pair really belongs together
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(again.getPrivate());
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(first.getPublic());
    verifier.update(new byte[] {1, 2, 3});
    assertThat(verifier.verify(signature)).isTrue();
  }

  @Test
  void aDamagedAccountKeyIsAnErrorNotASilentNewAccount() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("acme"));
    Files.writeString(dir.resolve(AcmeCertificateStore.ACCOUNT_KEY), "-----BEGIN PRIVATE KEY-----\ngarbage\n");
    assertThatThrownBy(() -> new AcmeCertificateStore(dir).accountKey())
        .isInstanceOf(IOException.class).hasMessageContaining("move the file away");
    assertThat(Files.readString(dir.resolve(AcmeCertificateStore.ACCOUNT_KEY))).contains("garbage");
  }

  @Test
  void certificateRoundTripAndMismatchDetection() throws Exception {
    AcmeCertificateStore store = new AcmeCertificateStore(temp.resolve("acme"));
    assertThat(store.loadCertificate()).isEmpty();
    TestPki pki = new TestPki("store test CA");
    KeyPair key = AcmeCertificateStore.newKeyPair();
    X509Certificate leaf = pki.issue(key, List.of("phone.example.org"), Instant.now(),
        Instant.now().plus(Duration.ofDays(90)));
    String chain = TestPki.pem(leaf, pki.caCertificate);
    store.saveCertificate(chain, AcmeCertificateStore.privateKeyPem(key.getPrivate()));
    AcmeCertificateStore.StoredCertificate stored = store.loadCertificate().orElseThrow();
    assertThat(stored.leaf()).isEqualTo(leaf);
    assertThat(stored.chainPem()).isEqualTo(chain);
    assertThat(stored.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.privateKeyFile())))
        .isEqualTo("rw-------");

    // a key from another pair (e.g. a crash between the two writes) is refused
    store.saveCertificate(chain, AcmeCertificateStore.privateKeyPem(AcmeCertificateStore.newKeyPair().getPrivate()));
    assertThatThrownBy(store::loadCertificate).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match");
    assertThat(Files.list(store.dir()).filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
  }
}
