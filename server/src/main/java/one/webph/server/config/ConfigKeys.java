package one.webph.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The table of every configuration key. To add a key: declare it here (name, default, parser, doc), add a typed
 * getter to {@link Config} if convenient, and add its row to docs/CONFIG.md ({@code webphone config --docs}
 * prints the table; a test fails when the two differ).
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  private static final List<ConfigKey<?>> ALL = new ArrayList<>();

  // ---- network
  public static final ConfigKey<String> DOMAIN = define("DOMAIN", "localhost", Parsers::hostname,
      "Public DNS name of this server: SIP domain, digest realm, TLS certificate name.")
      .aliases("SIP_DOMAIN", "MY_DOMAIN", "DOMAIN").build();
  public static final ConfigKey<Path> DATA_DIR = define("DATA_DIR", "./data", Parsers::path,
      "Directory for the H2 database, the generated certificate and webphone.conf (relative to the working directory).")
      .build();
  public static final ConfigKey<String> BIND_ADDRESS = define("BIND_ADDRESS", "0.0.0.0", Parsers::ipAddress,
      "Local IP address every listener binds to.").build();
  public static final ConfigKey<String> PUBLIC_IP = define("PUBLIC_IP", null, Parsers::ipAddress,
      "Public IP address announced in SIP/SDP when the server is behind NAT; unset = the bind/local address.")
      .build();
  public static final ConfigKey<Integer> HTTP_PORT = define("HTTP_PORT", "8080", Parsers::port,
      "Plain HTTP port: redirects to HTTPS except /.well-known/, /healthz and /metrics. 0 = any free port.").build();
  public static final ConfigKey<Integer> HTTPS_PORT = define("HTTPS_PORT", "8443", Parsers::port,
      "HTTPS port: the app, the JSON API and SIP over secure WebSocket (any path). 0 = any free port.").build();
  public static final ConfigKey<Integer> SIP_PORT = define("SIP_PORT", "5060", Parsers::port,
      "SIP over UDP and TCP.").build();
  public static final ConfigKey<Integer> SIPS_PORT = define("SIPS_PORT", "5061", Parsers::port,
      "SIP over TLS.").build();
  public static final ConfigKey<Integer> WS_PORT = define("WS_PORT", null, Parsers::nonZeroPort,
      "Optional dedicated SIP over WebSocket (plain) port; unset = off (WebSocket is always accepted on HTTP_PORT).")
      .aliases("MY_WS_PORT").build();
  public static final ConfigKey<Integer> WSS_PORT = define("WSS_PORT", null, Parsers::nonZeroPort,
      "Optional dedicated SIP over secure WebSocket port; unset = off (always accepted on HTTPS_PORT).")
      .aliases("MY_WSS_PORT").build();
  public static final ConfigKey<PortRange> MEDIA_PORTS = define("MEDIA_PORTS", "30000-31000", Parsers::portRange,
      "UDP port range for the media relay, FIRST-LAST.").build();
  public static final ConfigKey<Integer> MEDIA_TIMEOUT_SECONDS = define("MEDIA_TIMEOUT_SECONDS", "60",
      v -> Parsers.integer(v, 5, 86400),
      "Seconds without any packet (RTP, RTCP, STUN) after which the media relay ends a call.").build();
  public static final ConfigKey<Integer> MEDIA_HOLD_TIMEOUT_SECONDS = define("MEDIA_HOLD_TIMEOUT_SECONDS", "3600",
      v -> Parsers.integer(v, 5, 86400),
      "MEDIA_TIMEOUT_SECONDS while a call is on hold (sendonly/recvonly/inactive), when silence is expected.")
      .build();
  public static final ConfigKey<Integer> MEDIA_DTLS_HANDSHAKES = define("MEDIA_DTLS_HANDSHAKES", "64",
      v -> Parsers.integer(v, 1, 4096),
      "Most DTLS handshakes the media relay runs at once (one thread each while it lasts); more wait, with a log line.")
      .build();
  public static final ConfigKey<Boolean> MEDIA_RELAY = define("MEDIA_RELAY", "true",
      one.webph.server.sip.SipConfigParsers::bool,
      "Whether calls' media goes through the server's relay (needed for browsers: DTLS-SRTP to RTP, NAT). false = SDP passes unchanged, for networks whose phones reach each other directly.")
      .build();
  public static final ConfigKey<String> MEDIA_NG = define("MEDIA_NG", null,
      one.webph.server.media.MediaConfigParsers::ngAddress,
      "host:port of an external relay's NG control socket (webphone relay or rtpengine --listen-ng); unset = the in-process relay on MEDIA_PORTS.")
      .build();

  // ---- storage
  public static final ConfigKey<String> DB_URL = define("DB_URL", null, Parsers::jdbcUrl,
      "JDBC URL: H2 (jdbc:h2:...) or MariaDB/MySQL (jdbc:mariadb://HOST:PORT/DB; jdbc:mysql: is accepted).")
      .defaultDoc("jdbc:h2:file:<DATA_DIR>/webphone;AUTO_SERVER=TRUE").build();
  public static final ConfigKey<String> DB_USER = define("DB_USER", null, Parsers::text,
      "Database user.").defaultDoc("(unset; H2 uses sa)").build();
  public static final ConfigKey<String> DB_PASSWORD = define("DB_PASSWORD", null, Parsers::text,
      "Database password.").secret().build();

  // ---- TLS
  public static final ConfigKey<Path> TLS_CERT = define("TLS_CERT", null, Parsers::pemCertificate,
      "PEM certificate chain for HTTPS/WSS/SIP-TLS; unset = a self-signed certificate generated under DATA_DIR/tls.")
      .aliases("CERTIFICATE_PATH").build();
  public static final ConfigKey<Path> TLS_KEY = define("TLS_KEY", null, Parsers::pemPrivateKey,
      "PEM private key (unencrypted PKCS#8, PKCS#1 or SEC1) matching TLS_CERT; set both or neither.")
      .aliases("PRIVATE_KEY_PATH").build();

  // ---- ACME certificates (Let's Encrypt)
  public static final ConfigKey<Boolean> ACME_ENABLED = define("ACME_ENABLED", "false",
      one.webph.server.acme.AcmeConfigParsers::bool,
      "Obtain and renew the TLS certificate from an ACME CA (HTTP-01 on HTTP_PORT, which must be reachable as port 80); not with TLS_CERT.")
      .build();
  public static final ConfigKey<java.net.URI> ACME_DIRECTORY = define("ACME_DIRECTORY", "letsencrypt",
      one.webph.server.acme.AcmeConfigParsers::directory,
      "ACME CA: letsencrypt, letsencrypt-staging or the https:// URL of an ACME directory.").build();
  public static final ConfigKey<String> ACME_EMAIL = define("ACME_EMAIL", null,
      one.webph.server.acme.AcmeConfigParsers::email,
      "Contact e-mail of the ACME account (expiry and policy notices); unset = no contact.").build();
  public static final ConfigKey<List<String>> ACME_DOMAINS = define("ACME_DOMAINS", null,
      one.webph.server.acme.AcmeConfigParsers::domains,
      "Comma-separated DNS names the certificate covers; DOMAIN is always included, so list its aliases here.")
      .defaultDoc("<DOMAIN>").build();
  public static final ConfigKey<Integer> ACME_RENEW_DAYS = define("ACME_RENEW_DAYS", "30",
      v -> Parsers.integer(v, 1, 365),
      "Renew when fewer than this many days of validity remain (at most a third of the lifetime); checked daily.")
      .build();
  public static final ConfigKey<Integer> ACME_RETRY_SECONDS = define("ACME_RETRY_SECONDS", "60",
      v -> Parsers.integer(v, 1, 86400),
      "Seconds before retrying a failed ACME attempt; doubles after each failure, up to 6 hours.").build();
  public static final ConfigKey<Path> ACME_CA_CERTS = define("ACME_CA_CERTS", null,
      one.webph.server.acme.AcmeConfigParsers::pemFile,
      "PEM file of the CA certificates trusted for the ACME server's HTTPS API instead of the JVM's (private CA, tests).")
      .build();

  // ---- numbers
  public static final ConfigKey<List<String>> NUMBER_PREFIXES = define("NUMBER_PREFIXES", "999100,999200,505051",
      Parsers::prefixes, "Comma-separated prefixes of the numbers this server allocates; the first is the default.")
      .build();
  public static final ConfigKey<Integer> NUMBER_DIGITS = define("NUMBER_DIGITS", "5", v -> Parsers.integer(v, 1, 9),
      "Random digits appended to a prefix to form a number (1-9).").build();
  public static final ConfigKey<Integer> NUMBER_RATE_LIMIT = define("NUMBER_RATE_LIMIT", "10",
      v -> Parsers.integer(v, 0, 1_000_000),
      "Number allocations allowed per client IP address per hour (both endpoints); 0 = unlimited.").build();

  // ---- SIP registrar / proxy
  public static final ConfigKey<Integer> REG_MIN_EXPIRES = define("REG_MIN_EXPIRES", "60",
      v -> Parsers.integer(v, 1, 86400),
      "Shortest registration accepted, in seconds; shorter non-zero requests get 423 with Min-Expires.").build();
  public static final ConfigKey<Integer> REG_MAX_EXPIRES = define("REG_MAX_EXPIRES", "3600",
      v -> Parsers.integer(v, 1, 86400),
      "Longest registration granted, in seconds; longer requests are shortened to this.").build();
  public static final ConfigKey<Integer> REG_DEFAULT_EXPIRES = define("REG_DEFAULT_EXPIRES", "600",
      v -> Parsers.integer(v, 1, 86400),
      "Registration lifetime, in seconds, when a REGISTER gives no Expires.").build();
  public static final ConfigKey<Integer> INVITE_TIMEOUT_SECONDS = define("INVITE_TIMEOUT_SECONDS", "120",
      v -> Parsers.integer(v, 5, 3600),
      "Seconds a forwarded INVITE may ring without a final answer before the caller gets 408 (Timer C).").build();
  public static final ConfigKey<Integer> NONCE_LIFETIME_SECONDS = define("NONCE_LIFETIME_SECONDS", "300",
      v -> Parsers.integer(v, 1, 86400),
      "Seconds a digest nonce stays valid; older ones are answered with a new challenge and stale=true.").build();
  public static final ConfigKey<List<String>> DIGEST_ALGORITHMS = define("DIGEST_ALGORITHMS", "MD5,SHA-256",
      one.webph.server.sip.SipConfigParsers::digestAlgorithms,
      "Digest algorithms offered in SIP challenges, one challenge header each. WebSocket clients get MD5 last "
          + "(JsSIP, the app, answers the last header), other transports this order (sipp and many phones read only "
          + "the first). Some SIP stacks refuse a 401/407 holding any non-MD5 challenge (Debian 12's baresip/libre: "
          + "'Function not implemented'): set MD5 alone where such phones register.")
      .build();
  public static final ConfigKey<Integer> FLOOD_LIMIT = define("FLOOD_LIMIT", "16", v -> Parsers.integer(v, 1, 1_000_000),
      "SIP requests allowed per source IP per FLOOD_WINDOW_SECONDS; more bans the IP.").build();
  public static final ConfigKey<Integer> FLOOD_WINDOW_SECONDS = define("FLOOD_WINDOW_SECONDS", "2",
      v -> Parsers.integer(v, 1, 3600), "Length of the flood counting window, in seconds.").build();
  public static final ConfigKey<Integer> FLOOD_BAN_SECONDS = define("FLOOD_BAN_SECONDS", "300",
      v -> Parsers.integer(v, 1, 86400),
      "How long a flooding IP is ignored (its SIP requests silently dropped), in seconds.").build();
  public static final ConfigKey<Boolean> FLOOD_EXEMPT_LOOPBACK = define("FLOOD_EXEMPT_LOOPBACK", "true",
      one.webph.server.sip.SipConfigParsers::bool,
      "Whether loopback sources (127.0.0.0/8, ::1) are exempt from flood protection.").build();
  public static final ConfigKey<List<String>> SIP_TRUSTED = define("SIP_TRUSTED", null,
      one.webph.server.sip.SipConfigParsers::cidrList,
      "Comma-separated IPs or CIDR blocks of trusted SIP peers (e.g. the GSM gateway), exempt from flood protection.")
      .defaultDoc("(none)").build();
  public static final ConfigKey<List<String>> SIP_BLOCKED_USER_AGENTS = define("SIP_BLOCKED_USER_AGENTS",
      "friendly-scanner,sipcli,sipvicious,sipsak", one.webph.server.sip.SipConfigParsers::userAgentFragments,
      "Comma-separated User-Agent fragments (case-insensitive) of scanners whose SIP requests are dropped; none = drop none.").build();

  // ---- community peers (PEER_<NAME>_* entries: see docs/CONFIG.md, "Community peers")
  public static final ConfigKey<Path> PEERS_FILE = define("PEERS_FILE", null, Parsers::path,
      "Optional file of PEER_<NAME>_<FIELD>=VALUE lines (community networks), read in addition to PEER_* keys here.")
      .build();
  public static final ConfigKey<Integer> PEER_PROBE_SECONDS = define("PEER_PROBE_SECONDS", "30",
      v -> Parsers.integer(v, 1, 3600),
      "Seconds between OPTIONS probes of each peer target; two unanswered probes in a row mark it down.").build();
  public static final ConfigKey<String> CONFERENCE_PREFIX = define("CONFERENCE_PREFIX", "500",
      one.webph.server.peers.PeersConfig::digitsPrefix,
      "Dialed numbers starting with this go to the conference peer (PEER_<NAME>_KIND=conference).").build();

  // ---- logging
  public static final ConfigKey<String> LOG_LEVEL = define("LOG_LEVEL", "info", Parsers::logLevel,
      "error, warn, info, debug or trace (a numeric Kamailio DEBUG_LEVEL is mapped).")
      .aliases("DEBUG_LEVEL").build();

  // ---- push
  public static final ConfigKey<String> PUSH_PUBLIC = define("PUSH_PUBLIC", null, Parsers::vapidPublicKey,
      "VAPID public key (base64url, 65 bytes); set with PUSH_PRIVATE to keep push subscriptions valid across restarts.")
      .aliases("PUSH_PUBLIC").build();
  public static final ConfigKey<String> PUSH_PRIVATE = define("PUSH_PRIVATE", null, Parsers::vapidPrivateKey,
      "VAPID private key (base64url, 32 bytes).").aliases("PUSH_PRIVATE").secret().build();
  public static final ConfigKey<String> PUSH_SECRET = define("PUSH_SECRET", null, Parsers::text,
      "Legacy secret of the original push server's POST /send, which is not exposed (the SIP proxy is in-process); accepted and ignored.")
      .aliases("PUSH_SECRET").secret().build();
  public static final ConfigKey<String> PUSH_CONTACT = define("PUSH_CONTACT", null, Parsers::contactUri,
      "Contact (mailto: or https:) sent to push services in the VAPID token.")
      .defaultDoc("mailto:webmaster@<DOMAIN>").build();
  public static final ConfigKey<Integer> PUSH_HOLD_SECONDS = define("PUSH_HOLD_SECONDS", "30",
      v -> Parsers.integer(v, 1, 300),
      "Seconds an INVITE to an unregistered callee is held while a push notification wakes the app (1-300).")
      .build();
  public static final ConfigKey<Integer> MESSAGE_TTL_DAYS = define("MESSAGE_TTL_DAYS", "14",
      v -> Parsers.integer(v, 1, 365),
      "Days a SIP MESSAGE to an offline number is kept for delivery when it registers (also the TTL of its push, at most 28).")
      .build();
  public static final ConfigKey<Boolean> PUSH_COMPAT_UNAUTHENTICATED_SAVE = define("PUSH_COMPAT_UNAUTHENTICATED_SAVE",
      "false", one.webph.server.push.PushConfigParsers::bool,
      "Accept the original app's unauthenticated POST /webpush/save (anyone could redirect a number's pushes); false = 403.")
      .build();
  public static final ConfigKey<String> ADMIN_TOKEN = define("ADMIN_TOKEN", null,
      one.webph.server.push.PushConfigParsers::adminToken,
      "Administrator bearer token (16+ characters) for GET /webpush/survey and /webpush/feedback; unset = listing disabled.")
      .secret().build();

  /** Every key, in documentation order. */
  public static List<ConfigKey<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  /** Canonical names and aliases to keys. A canonical name wins over an alias of another key. */
  static Map<String, ConfigKey<?>> byName() {
    Map<String, ConfigKey<?>> map = new LinkedHashMap<>();
    for (ConfigKey<?> key : ALL) {
      map.put(key.name(), key);
    }
    return map;
  }

  /** The Markdown table of docs/CONFIG.md. */
  public static String markdownTable() {
    StringBuilder out = new StringBuilder();
    out.append("| Key | Environment | Default | Legacy names | Meaning |\n");
    out.append("|---|---|---|---|---|\n");
    for (ConfigKey<?> key : ALL) {
      List<String> names = new ArrayList<>();
      for (String alias : key.aliases()) {
        names.add(alias.equals(key.name()) ? "`" + alias + "` (bare, environment)" : "`" + alias + "`");
      }
      out.append("| `").append(key.name()).append("` | `").append(key.envName()).append("` | `")
          .append(key.defaultDoc()).append("` | ")
          .append(String.join(", ", names))
          .append(" | ").append(key.doc()).append(" |\n");
    }
    return out.toString();
  }

  private static <T> Builder<T> define(String name, String defaultValue, ConfigKey.Parser<T> parser, String doc) {
    return new Builder<>(name, defaultValue, parser, doc);
  }

  private static final class Builder<T> {
    private final String name;
    private final String defaultValue;
    private final ConfigKey.Parser<T> parser;
    private final String doc;
    private String defaultDoc;
    private List<String> aliases = List.of();
    private boolean secret;

    Builder(String name, String defaultValue, ConfigKey.Parser<T> parser, String doc) {
      this.name = name;
      this.defaultValue = defaultValue;
      this.parser = parser;
      this.doc = doc;
    }

    Builder<T> aliases(String... names) {
      this.aliases = List.of(names);
      return this;
    }

    Builder<T> defaultDoc(String text) {
      this.defaultDoc = text;
      return this;
    }

    Builder<T> secret() {
      this.secret = true;
      return this;
    }

    ConfigKey<T> build() {
      ConfigKey<T> key = new ConfigKey<>(name, defaultValue, defaultDoc, parser, doc, aliases, secret);
      ALL.add(key);
      return key;
    }
  }
}
