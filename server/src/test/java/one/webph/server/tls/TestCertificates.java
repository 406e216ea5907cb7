package one.webph.server.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/** Writes a freshly generated certificate/key pair as PEM files (for configuration tests). */
public final class TestCertificates {
  private TestCertificates() {}

  public static void write(Path certificate, Path key, String domain) throws Exception {
    String[] pem = SelfSignedCertificate.generate(domain, new SecureRandom());
    Files.writeString(certificate, pem[0]);
    Files.writeString(key, pem[1]);
  }

  /** {certificate PEM, key PEM} */
  public static String[] generate(String domain) {
    return SelfSignedCertificate.generate(domain, new SecureRandom());
  }
}
