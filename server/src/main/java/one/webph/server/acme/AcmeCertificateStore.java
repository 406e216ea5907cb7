package one.webph.server.acme;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import one.webph.server.tls.TlsCertificates;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * The ACME files under DATA_DIR/acme: the account key (kept for good: it identifies the ACME account), and the
 * current certificate chain with its private key as PEM, so a restart serves them without asking the CA again.
 * Files are replaced atomically; keys are readable by the owner only.
 */
public final class AcmeCertificateStore {
  static final String ACCOUNT_KEY = "account-key.pem";
  static final String CERTIFICATE = "certificate.pem";
  static final String PRIVATE_KEY = "private-key.pem";

  private final Path dir;

  public AcmeCertificateStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path certificateFile() {
    return dir.resolve(CERTIFICATE);
  }

  public Path privateKeyFile() {
    return dir.resolve(PRIVATE_KEY);
  }

  /**
   * The account key pair, generated (EC P-256) and stored on first use as PEM: the PKCS#8 private key followed
   * by the public key (so no elliptic-curve arithmetic is needed to read it back).
   */
  public synchronized KeyPair accountKey() throws IOException {
    Path file = dir.resolve(ACCOUNT_KEY);
    if (Files.isRegularFile(file)) {
      try {
        return readKeyPair(Files.readString(file, StandardCharsets.US_ASCII));
      } catch (IOException | RuntimeException e) {
        // Never silently replace it: a new key is a new ACME account (and loses its authorizations).
        throw new IOException("cannot read the ACME account key " + file + ": " + e.getMessage()
            + " (move the file away to register a new account)", e);
      }
    }
    KeyPair pair = newKeyPair();
    write(file, privateKeyPem(pair.getPrivate()) + publicKeyPem(pair.getPublic()), true);
    return pair;
  }

  /** A new EC P-256 key pair (account and certificate keys), from the JDK's provider. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available: " + e.getMessage(), e);
    }
  }

  static KeyPair readKeyPair(String pem) throws IOException {
    PrivateKey privateKey = null;
    PublicKey publicKey = null;
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PrivateKeyInfo info) {
          privateKey = converter.getPrivateKey(info);
        } else if (item instanceof SubjectPublicKeyInfo info) {
          publicKey = converter.getPublicKey(info);
        } else if (item instanceof PEMKeyPair pair) {
          KeyPair keyPair = converter.getKeyPair(pair);
          privateKey = keyPair.getPrivate();
          publicKey = keyPair.getPublic();
        }
      }
    }
    if (privateKey == null || publicKey == null) {
      throw new IOException("expected a PRIVATE KEY and a PUBLIC KEY block");
    }
    return new KeyPair(publicKey, privateKey);
  }

  private static String publicKeyPem(PublicKey key) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(key);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the public key: " + e.getMessage(), e);
    }
    return out.toString();
  }

  /**
   * The stored certificate, if present and usable (the key matches the leaf). A damaged or half-written pair is
   * reported as {@link IllegalArgumentException} so the caller can log it and obtain a new certificate.
   */
  public Optional<StoredCertificate> loadCertificate() throws IOException {
    String chain;
    String key;
    try {
      chain = Files.readString(certificateFile(), StandardCharsets.US_ASCII);
      key = Files.readString(privateKeyFile(), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(new StoredCertificate(chain, key, TlsCertificates.of(chain, key).certificate()));
  }

  /** A stored chain and key (validated: the key matches the leaf). */
  public record StoredCertificate(String chainPem, String keyPem, X509Certificate leaf) {}

  /** Stores a new certificate chain and its key (key first, so a crash in between leaves a mismatch, not a leak). */
  public synchronized void saveCertificate(String chainPem, String privateKeyPem) throws IOException {
    write(privateKeyFile(), privateKeyPem, true);
    write(certificateFile(), chainPem, false);
  }

  /** PKCS#8 PEM ("PRIVATE KEY"), which Vert.x, OpenSSL and the JDK all read. */
  public static String privateKeyPem(PrivateKey key) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the private key: " + e.getMessage(), e);
    }
    return out.toString();
  }

  private void write(Path file, String text, boolean secret) throws IOException {
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the directory's permissions have to do
        }
      }
      try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII)) {
        writer.write(text);
      }
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
