package one.webph.server.peers;

import io.vertx.core.Future;
import java.util.List;
import one.webph.server.sip.Cidr;
import one.webph.sip.message.SipUri;

/**
 * What the SIP routing script asks about community networks (see {@code SipService.route}): which peer a dialed
 * number belongs to, and whether a request comes from a trusted peer network. {@link #NONE} when no peer is
 * configured.
 */
public interface PeerRouting {
  /** Sends an OPTIONS to a URI and completes with the final status (408 no answer, 503 not sendable). */
  @FunctionalInterface
  interface OptionsSender {
    Future<Integer> sendOptions(SipUri target);
  }

  /**
   * The route for a number dialed at this server (Request-URI user), or null when it is not a peer's.
   *
   * @param outbound the Request-URI's {@code outbound} parameter (a peer name chosen by the caller), or null
   */
  PeerRoute outbound(String number, String outbound);

  /** A peer's outbound digest credentials (PEER_&lt;NAME&gt;_USER/PASSWORD) for its 401/407. */
  record Credentials(String user, String password) {
    @Override
    public String toString() {
      return "Credentials[user=" + user + ", password=***]"; // never log the password
    }
  }

  /** The outbound credentials of the named peer, or null when it has none (its 401/407 then reach the caller). */
  default Credentials credentials(String peer) {
    return null;
  }

  /** The codecs the named peer accepts (PEER_&lt;NAME&gt;_CODECS): offers toward it carry only these; empty = any. */
  default List<String> codecs(String peer) {
    return List.of();
  }

  /** The name of the peer whose TRUSTED networks contain this source address, or null. */
  String trustedPeer(String sourceIp);

  /** Every peer's trusted networks (the flood guard exempts them). */
  List<Cidr> trustedNetworks();

  /** Starts liveness probing; called once on the SIP event loop when the proxy is ready. */
  void start(OptionsSender sender);

  PeerRouting NONE = new PeerRouting() {
    @Override
    public PeerRoute outbound(String number, String outbound) {
      return null;
    }

    @Override
    public String trustedPeer(String sourceIp) {
      return null;
    }

    @Override
    public List<Cidr> trustedNetworks() {
      return List.of();
    }

    @Override
    public void start(OptionsSender sender) {
    }
  };
}
