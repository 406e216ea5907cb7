package one.webph.server.acme;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away certificate authority for tests: pebble's API certificate and "about to expire" certificates. */
final class TestPki {
  private static final SecureRandom RANDOM = new SecureRandom();

  final KeyPair caKey;
  final X509Certificate caCertificate;

  TestPki(String name) throws Exception {
    caKey = newKey();
    X500Name subject = new X500Name("CN=" + name);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
        Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400 * 30L)), subject, caKey.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    caCertificate = sign(builder);
  }

  static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  /** A server certificate for DNS names and IP addresses (anything with a digit-only first label is an IP). */
  X509Certificate issue(KeyPair key, List<String> names, Instant notBefore, Instant notAfter) throws Exception {
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        new X500Name(caCertificate.getSubjectX500Principal().getName()), serial(), Date.from(notBefore),
        Date.from(notAfter), new X500Name("CN=" + names.get(0)), key.getPublic());
    List<GeneralName> alternatives = new ArrayList<>();
    for (String name : names) {
      boolean ip = name.matches("[0-9.]+");
      alternatives.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
    }
    builder.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(alternatives.toArray(GeneralName[]::new)));
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    return sign(builder);
  }

  private X509Certificate sign(JcaX509v3CertificateBuilder builder) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
  }

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM).add(BigInteger.ONE);
  }

  static String pem(Object... objects) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    }
    return out.toString();
  }

  static void write(Path file, String text) throws Exception {
    Files.writeString(file, text);
  }
}
