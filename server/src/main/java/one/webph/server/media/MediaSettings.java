package one.webph.server.media;

import java.time.Duration;
import one.webph.server.config.Config;
import one.webph.server.config.ConfigException;
import one.webph.server.config.ConfigKeys;
import one.webph.server.config.PortRange;

/**
 * The media relay's settings read from the configuration.
 *
 * @param ports              UDP range of the in-process relay (MEDIA_PORTS)
 * @param bindHost           local address the relay's sockets bind to (BIND_ADDRESS)
 * @param advertisedAddress  address written into SDP: PUBLIC_IP; else BIND_ADDRESS when it is a concrete
 *                           address; else 127.0.0.1 (see {@link #advertisedIsGuess})
 * @param advertisedIsGuess  true when neither PUBLIC_IP nor a concrete BIND_ADDRESS gave the address
 * @param inactivityTimeout  MEDIA_TIMEOUT_SECONDS
 * @param holdTimeout        MEDIA_HOLD_TIMEOUT_SECONDS
 * @param ngAddress          MEDIA_NG ({@code host:port}) or null for the in-process relay
 * @param dtlsHandshakes     MEDIA_DTLS_HANDSHAKES: DTLS handshakes the in-process relay runs at once
 */
public record MediaSettings(PortRange ports, String bindHost, String advertisedAddress, boolean advertisedIsGuess,
    Duration inactivityTimeout, Duration holdTimeout, String ngAddress, int dtlsHandshakes) {

  /** The in-process relay's port pool cannot use privileged ports (it is meant to run unprivileged). */
  static final int LOWEST_MEDIA_PORT = 1024;

  public static MediaSettings from(Config config) {
    PortRange ports = config.mediaPorts();
    String ng = config.get(ConfigKeys.MEDIA_NG);
    if (ng == null && ports.first() < LOWEST_MEDIA_PORT) {
      throw new ConfigException(ConfigKeys.MEDIA_PORTS.name(),
          ports + " starts below " + LOWEST_MEDIA_PORT + "; the media relay uses unprivileged ports");
    }
    String bind = config.bindAddress();
    boolean wildcard = isWildcard(bind);
    String advertised = config.publicIp().orElse(wildcard ? "127.0.0.1" : bind);
    boolean guess = config.publicIp().isEmpty() && wildcard;
    return new MediaSettings(ports, bind, advertised, guess,
        Duration.ofSeconds(config.get(ConfigKeys.MEDIA_TIMEOUT_SECONDS)),
        Duration.ofSeconds(config.get(ConfigKeys.MEDIA_HOLD_TIMEOUT_SECONDS)), ng,
        config.get(ConfigKeys.MEDIA_DTLS_HANDSHAKES));
  }

  static boolean isWildcard(String address) {
    return address.equals("0.0.0.0") || address.equals("::") || address.equals("0:0:0:0:0:0:0:0");
  }
}
