package one.webph.server.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AcmeCommandTest {
  @TempDir Path temp;

  private String run(Path conf, int expectedExit) {
    StringWriter out = new StringWriter();
    CommandLine commandLine = new CommandLine(new AcmeCommand());
    commandLine.setOut(new PrintWriter(out, true));
    int exit = commandLine.execute("status", "--config", conf.toString());
    assertThat(exit).as(out.toString()).isEqualTo(expectedExit);
    return out.toString();
  }

  @Test
  void statusShowsTheStoredCertificate() throws Exception {
    Path conf = Files.writeString(temp.resolve("webphone.conf"),
        "DATA_DIR=" + temp + "\nDOMAIN=phone.example.org\nACME_ENABLED=true\nACME_DOMAINS=www.example.org\n");
    assertThat(run(conf, 0)).contains("ACME:        enabled").contains("none yet")
        .contains("names:       phone.example.org, www.example.org");

    TestPki pki = new TestPki("status test CA");
    KeyPair key = TestPki.newKey();
    X509Certificate leaf = pki.issue(key, List.of("phone.example.org", "www.example.org"),
        Instant.now().minus(Duration.ofDays(70)), Instant.now().plus(Duration.ofDays(20)));
    new AcmeCertificateStore(temp.resolve("acme")).saveCertificate(TestPki.pem(leaf, pki.caCertificate),
        AcmeCertificateStore.privateKeyPem(key.getPrivate()));
    String status = run(conf, 0);
    assertThat(status).contains("subject:     CN=phone.example.org")
        .contains("covers:      phone.example.org, www.example.org")
        .contains("issuer:      CN=status test CA")
        .contains("expires:     " + leaf.getNotAfter().toInstant())
        .contains("renewal:     due now: the stored certificate expires");
  }
}
