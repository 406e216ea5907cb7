package one.webph.server.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Generates an ECDSA P-256 self-signed server certificate for DOMAIN, localhost and 127.0.0.1. */
final class SelfSignedCertificate {
  static final Duration VALIDITY = Duration.ofDays(397);

  private SelfSignedCertificate() {}

  /** The DNS names and IP addresses the certificate covers. */
  static List<String> subjectNames(String domain) {
    Set<String> names = new LinkedHashSet<>(List.of(domain, "localhost", "127.0.0.1"));
    return new ArrayList<>(names);
  }

  /** Returns {certificate PEM, private key PEM}. */
  static String[] generate(String domain, SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = generator.generateKeyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=" + domain.replaceAll("[,=+<>#;\"\\\\]", "") + ",O=webph.one self-signed");
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(127, random).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
      List<GeneralName> names = new ArrayList<>();
      for (String name : subjectNames(domain)) {
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, name));
      }
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth}));
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      return new String[] {Pem.write(certificate), Pem.write(pair.getPrivate())};
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
        | java.io.IOException e) {
      throw new IllegalStateException("cannot generate a self-signed certificate: " + e.getMessage(), e);
    }
  }

  /** True when the certificate names every subject name for the domain. */
  static boolean covers(X509Certificate certificate, String domain) {
    Set<String> present = new LinkedHashSet<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> entry : alternatives) {
          present.add(String.valueOf(entry.get(1)));
        }
      }
    } catch (CertificateParsingException e) {
      return false;
    }
    return present.containsAll(subjectNames(domain));
  }
}
