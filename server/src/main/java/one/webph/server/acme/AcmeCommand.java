package one.webph.server.acme;

import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import one.webph.server.cli.ConfigOptions;
import one.webph.server.config.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code webphone acme status}: the stored ACME certificate (names, issuer, expiry) and when it renews. */
@Command(name = "acme", mixinStandardHelpOptions = true, description = "ACME (Let's Encrypt) certificates.",
    subcommands = {AcmeCommand.Status.class})
public final class AcmeCommand {
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show the stored ACME certificate: names, issuer, expiry and the renewal date.")
  static final class Status implements Callable<Integer> {
    @Mixin ConfigOptions configOptions;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Config config = configOptions.load();
      PrintWriter out = spec.commandLine().getOut();
      AcmeSettings settings = AcmeSettings.from(config);
      AcmeCertificateStore store = new AcmeCertificateStore(settings.storeDir());
      out.println("ACME:        " + (AcmeSettings.enabled(config) ? "enabled" : "disabled (ACME_ENABLED=false)"));
      out.println("directory:   " + settings.directory());
      out.println("names:       " + String.join(", ", settings.domains()));
      Optional<AcmeCertificateStore.StoredCertificate> stored;
      try {
        stored = store.loadCertificate();
      } catch (IllegalArgumentException e) {
        out.println("certificate: " + store.certificateFile() + " is unusable: " + e.getMessage());
        return 1;
      }
      if (stored.isEmpty()) {
        out.println("certificate: none yet (" + store.certificateFile() + ")");
        return 0;
      }
      X509Certificate leaf = stored.get().leaf();
      Instant now = Instant.now();
      Instant notAfter = leaf.getNotAfter().toInstant();
      out.println("certificate: " + store.certificateFile());
      out.println("subject:     " + leaf.getSubjectX500Principal().getName());
      out.println("covers:      " + String.join(", ", AcmeRenewer.dnsNames(leaf).stream().sorted().toList()));
      out.println("issuer:      " + leaf.getIssuerX500Principal().getName());
      out.println("serial:      " + leaf.getSerialNumber().toString(16));
      out.println("valid from:  " + leaf.getNotBefore().toInstant());
      out.println("expires:     " + notAfter + (now.isBefore(notAfter)
          ? " (in " + AcmeRenewer.human(Duration.between(now, notAfter)) + ")" : " (EXPIRED)"));
      out.println("renewal:     " + AcmeRenewer.renewalReason(Optional.of(leaf), settings.domains(),
          settings.renewBefore(), now).map(reason -> "due now: " + reason)
          .orElse("from " + AcmeRenewer.renewalTime(leaf, settings.renewBefore())));
      return 0;
    }
  }
}
