package one.webph.server.acme;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigKeys;

/**
 * The ACME part of the configuration, resolved: the certificate names always start with DOMAIN.
 *
 * @param directory the ACME directory URL
 * @param email account contact, if any
 * @param domains DOMAIN first, then the aliases from ACME_DOMAINS
 * @param renewBefore renew when less validity than this remains (capped at a third of the lifetime)
 * @param firstRetryDelay delay after the first failure; doubles up to {@link #MAX_RETRY_DELAY}
 * @param caCertificates PEM file of CAs trusted for the ACME API, or empty for the JVM default trust
 * @param storeDir where the account key, certificate and key are kept (DATA_DIR/acme)
 */
public record AcmeSettings(URI directory, Optional<String> email, List<String> domains, Duration renewBefore,
    Duration firstRetryDelay, Optional<Path> caCertificates, Path storeDir) {

  /** Longest wait between retries after repeated failures. */
  public static final Duration MAX_RETRY_DELAY = Duration.ofHours(6);
  /** How often the certificate's remaining validity is checked. */
  public static final Duration CHECK_INTERVAL = Duration.ofDays(1);

  public AcmeSettings {
    domains = List.copyOf(domains);
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("at least one domain is required");
    }
  }

  public static boolean enabled(Config config) {
    return Boolean.TRUE.equals(config.get(ConfigKeys.ACME_ENABLED));
  }

  public static AcmeSettings from(Config config) {
    Set<String> names = new LinkedHashSet<>();
    names.add(config.domain());
    List<String> aliases = config.get(ConfigKeys.ACME_DOMAINS);
    if (aliases != null) {
      names.addAll(aliases);
    }
    return new AcmeSettings(config.get(ConfigKeys.ACME_DIRECTORY), config.optional(ConfigKeys.ACME_EMAIL),
        new ArrayList<>(names), Duration.ofDays(config.get(ConfigKeys.ACME_RENEW_DAYS)),
        Duration.ofSeconds(config.get(ConfigKeys.ACME_RETRY_SECONDS)), config.optional(ConfigKeys.ACME_CA_CERTS),
        config.dataDir().resolve("acme"));
  }

  /** The delay before retry number {@code failures} (1 = after the first failure): doubling, capped. */
  public Duration retryDelay(int failures) {
    Duration delay = firstRetryDelay;
    for (int i = 1; i < failures && delay.compareTo(MAX_RETRY_DELAY) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
  }
}
