package one.webph.server.sip;

import java.time.Duration;
import java.util.List;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigKeys;

/**
 * The SIP part of the configuration, typed, so the registrar, authenticator, flood guard and proxy can be built
 * and unit-tested without a whole {@link Config}.
 *
 * @param domain SIP domain and digest realm
 * @param regMinExpires shortest accepted non-zero registration (423 below)
 * @param regMaxExpires longest granted registration (clamped above)
 * @param regDefaultExpires lifetime when the REGISTER gives none
 * @param inviteTimeout Timer C: how long a forwarded INVITE may go without a final response
 * @param nonceLifetime how long a digest nonce is accepted
 * @param floodLimit requests per source IP per window
 * @param floodWindow length of the counting window
 * @param floodBan how long a flooding IP is ignored
 * @param floodExemptLoopback whether 127.0.0.0/8 and ::1 are exempt
 * @param trusted peers exempt from flood protection
 * @param blockedUserAgents lower-case User-Agent fragments of scanners to drop
 * @param digestAlgorithms the algorithms offered in challenges, in order
 */
public record SipSettings(String domain, int regMinExpires, int regMaxExpires, int regDefaultExpires,
    Duration inviteTimeout, Duration nonceLifetime, int floodLimit, Duration floodWindow, Duration floodBan,
    boolean floodExemptLoopback, List<Cidr> trusted, List<String> blockedUserAgents,
    List<DigestAlgorithm> digestAlgorithms) {

  /** Most bindings one number keeps; registering more replaces the oldest. */
  public static final int MAX_BINDINGS_PER_NUMBER = 10;

  public SipSettings {
    if (regMinExpires > regMaxExpires) {
      throw new IllegalArgumentException("REG_MIN_EXPIRES (" + regMinExpires + ") is above REG_MAX_EXPIRES ("
          + regMaxExpires + ")");
    }
    trusted = List.copyOf(trusted);
    blockedUserAgents = List.copyOf(blockedUserAgents);
    digestAlgorithms = List.copyOf(digestAlgorithms);
    if (digestAlgorithms.isEmpty()) {
      throw new IllegalArgumentException("at least one digest algorithm is needed");
    }
  }

  public static SipSettings from(Config config) {
    int min = config.get(ConfigKeys.REG_MIN_EXPIRES);
    int max = config.get(ConfigKeys.REG_MAX_EXPIRES);
    int def = Math.max(min, Math.min(max, config.get(ConfigKeys.REG_DEFAULT_EXPIRES)));
    List<String> trusted = config.optional(ConfigKeys.SIP_TRUSTED).orElse(List.of());
    return new SipSettings(config.domain(), min, max, def,
        Duration.ofSeconds(config.get(ConfigKeys.INVITE_TIMEOUT_SECONDS)),
        Duration.ofSeconds(config.get(ConfigKeys.NONCE_LIFETIME_SECONDS)),
        config.get(ConfigKeys.FLOOD_LIMIT),
        Duration.ofSeconds(config.get(ConfigKeys.FLOOD_WINDOW_SECONDS)),
        Duration.ofSeconds(config.get(ConfigKeys.FLOOD_BAN_SECONDS)),
        config.get(ConfigKeys.FLOOD_EXEMPT_LOOPBACK),
        trusted.stream().map(Cidr::parse).toList(),
        config.get(ConfigKeys.SIP_BLOCKED_USER_AGENTS),
        config.get(ConfigKeys.DIGEST_ALGORITHMS).stream().map(DigestAlgorithm::fromToken).toList());
  }

  /** Defaults for tests: the documented defaults with the given domain. */
  public static SipSettings defaults(String domain) {
    return new SipSettings(domain, 60, 3600, 600, Duration.ofSeconds(120), Duration.ofSeconds(300), 16,
        Duration.ofSeconds(2), Duration.ofSeconds(300), true, List.of(),
        List.of("friendly-scanner", "sipcli", "sipvicious", "sipsak"),
        List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256));
  }
}
