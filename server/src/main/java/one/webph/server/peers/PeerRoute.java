package one.webph.server.peers;

import one.webph.sip.message.SipUri;

/** Where a request for a community network's number goes, as decided by {@link PeerRouting#outbound}. */
public sealed interface PeerRoute {
  /** The peer's name. */
  String peer();

  /** To the peer's SIP server: {@code requestUri} is the rewritten number at the live target. */
  record Forward(String peer, SipUri requestUri) implements PeerRoute { }

  /** To the current registration of a gateway's number, with {@code user} (the rewritten number) in the Request-URI. */
  record ToGateway(String peer, String gatewayNumber, String user) implements PeerRoute { }

  /** Refused at once (peer down: 503; gateway offline: 480; number too short: 484). */
  record Refuse(String peer, int status, String reason) implements PeerRoute { }
}
