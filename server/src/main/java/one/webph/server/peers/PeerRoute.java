package one.webph.server.peers;

import one.webph.sip.message.SipUri;

/** Where a request for a community network's number goes, as decided by {@link PeerRouting#outbound}. */
public sealed interface PeerRoute {
  /** The peer's name. */
  String peer();

  /**
   * To the peer's SIP server: {@code requestUri} is the rewritten number at the live target; {@code failoverUri}
   * the same number at the peer's other live target (tried once when the first fails within the call), or null.
   */
  record Forward(String peer, SipUri requestUri, SipUri failoverUri) implements PeerRoute {
    public Forward(String peer, SipUri requestUri) {
      this(peer, requestUri, null);
    }
  }

  /** To the current registration of a gateway's number, with {@code user} (the rewritten number) in the Request-URI. */
  record ToGateway(String peer, String gatewayNumber, String user) implements PeerRoute { }

  /** Refused at once (peer down: 503; gateway offline: 480; number too short: 484). */
  record Refuse(String peer, int status, String reason) implements PeerRoute { }
}
