package one.webph.server.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS key and certificate chain, shared by HTTPS, WSS and SIP over TLS. Loaded from TLS_CERT/TLS_KEY,
 * else a self-signed certificate generated once under DATA_DIR/tls and reused. {@link #update} swaps them at run
 * time (ACME renewal) and notifies listeners, which apply the new options to their servers without a restart.
 */
public final class TlsCertificates {
  private static final Logger log = LoggerFactory.getLogger(TlsCertificates.class);
  /** A self-signed certificate this close to expiry is regenerated at start. */
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private final List<Consumer<TlsCertificates>> listeners = new CopyOnWriteArrayList<>();
  private volatile State state;

  private record State(String certificatePem, String keyPem, List<X509Certificate> chain, String origin) {}

  private TlsCertificates(State state) {
    this.state = state;
  }

  /** Loads the configured PEM files, or the self-signed certificate (generating it when needed). */
  public static TlsCertificates load(Config config) {
    if (config.tlsCert().isPresent()) {
      Path certFile = config.tlsCert().get();
      Path keyFile = config.tlsKey().orElseThrow();
      try {
        return new TlsCertificates(parse(Files.readString(certFile, StandardCharsets.US_ASCII),
            Files.readString(keyFile, StandardCharsets.US_ASCII), certFile.toString()));
      } catch (IOException e) {
        throw new ConfigException("TLS_CERT", "cannot read " + certFile + " or " + keyFile + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("TLS_KEY", e.getMessage());
      }
    }
    return new TlsCertificates(selfSigned(config.dataDir().resolve("tls"), config.domain()));
  }

  /** Creates from PEM text (tests, ACME). */
  public static TlsCertificates of(String certificateChainPem, String privateKeyPem) {
    return new TlsCertificates(parse(certificateChainPem, privateKeyPem, "memory"));
  }

  private static State parse(String certificatePem, String keyPem, String origin) {
    List<X509Certificate> chain = Pem.certificates(certificatePem);
    PrivateKey key = Pem.privateKey(keyPem);
    if (!Pem.matches(key, chain.get(0))) {
      throw new IllegalArgumentException("the private key does not match the certificate");
    }
    return new State(certificatePem, keyPem, List.copyOf(chain), origin);
  }

  private static State selfSigned(Path dir, String domain) {
    Path certFile = dir.resolve("self-signed-cert.pem");
    Path keyFile = dir.resolve("self-signed-key.pem");
    try {
      if (Files.isRegularFile(certFile) && Files.isRegularFile(keyFile)) {
        try {
          State existing = parse(Files.readString(certFile), Files.readString(keyFile), "self-signed " + certFile);
          X509Certificate leaf = existing.chain().get(0);
          boolean fresh = leaf.getNotAfter().toInstant().isAfter(Instant.now().plus(RENEW_BEFORE));
          if (fresh && SelfSignedCertificate.covers(leaf, domain)) {
            return existing;
          }
          log.info("self-signed certificate {} is expiring or not for {}; generating a new one", certFile, domain);
        } catch (IllegalArgumentException e) {
          log.warn("self-signed certificate {} is unusable ({}); generating a new one", certFile, e.getMessage());
        }
      }
      Files.createDirectories(dir);
      String[] generated = SelfSignedCertificate.generate(domain, new SecureRandom());
      writeAtomically(keyFile, generated[1], true);
      writeAtomically(certFile, generated[0], false);
      log.info("generated a self-signed certificate for {} in {}", domain, certFile);
      return parse(generated[0], generated[1], "self-signed " + certFile);
    } catch (IOException e) {
      throw new ConfigException("DATA_DIR", "cannot store the self-signed certificate in " + dir + ": " + e.getMessage());
    }
  }

  private static void writeAtomically(Path file, String text, boolean secret) throws IOException {
    Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: rely on the directory's permissions
        }
      }
      Files.writeString(temp, text, StandardCharsets.US_ASCII);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Vert.x key/cert options for a TLS server (a fresh copy each call). */
  public PemKeyCertOptions keyCertOptions() {
    State current = state;
    return new PemKeyCertOptions()
        .setCertValue(Buffer.buffer(current.certificatePem()))
        .setKeyValue(Buffer.buffer(current.keyPem()));
  }

  /** The leaf certificate. */
  public X509Certificate certificate() {
    return state.chain().get(0);
  }

  public List<X509Certificate> chain() {
    return state.chain();
  }

  public String certificatePem() {
    return state.certificatePem();
  }

  /** Where the certificate came from: the file path, "self-signed ..." or "memory". */
  public String origin() {
    return state.origin();
  }

  /**
   * Replaces the certificate and key (validated: the key must match the leaf) and notifies listeners, e.g. after
   * an ACME renewal.
   */
  public void update(String certificateChainPem, String privateKeyPem, String origin) {
    state = parse(certificateChainPem, privateKeyPem, origin);
    log.info("TLS certificate replaced: {} (expires {})", certificate().getSubjectX500Principal().getName(),
        certificate().getNotAfter().toInstant());
    for (Consumer<TlsCertificates> listener : listeners) {
      listener.accept(this);
    }
  }

  /** Called after every {@link #update}; TLS servers apply {@link #keyCertOptions()} here. */
  public void onChange(Consumer<TlsCertificates> listener) {
    listeners.add(listener);
  }
}
