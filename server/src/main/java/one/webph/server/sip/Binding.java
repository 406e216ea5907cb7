package one.webph.server.sip;

import one.webph.sip.message.SipUri;
import one.webph.sip.message.Uri;
import one.webph.sip.transport.Transport;

/**
 * One registered contact of a number (RFC 3261 section 10): where requests for the number go.
 *
 * @param number the address-of-record's user part (the subscriber's number)
 * @param contactUri the Contact URI, used as Request-URI of requests to this binding
 * @param instanceId RFC 5626 {@code +sip.instance} (e.g. {@code <urn:uuid:...>}), or null
 * @param regId RFC 5626 {@code reg-id}, or -1
 * @param callId Call-ID of the REGISTER that created or last refreshed it
 * @param cseq CSeq number of that REGISTER
 * @param expiresAtMillis when it lapses (epoch milliseconds)
 * @param flowId the transport flow the REGISTER came on: requests are sent down it (NAT, WebSocket)
 * @param transport that flow's transport; TCP/TLS/WS/WSS bindings die with their connection
 * @param sourceHost the REGISTER's source address (received), for logs and NAT handling
 * @param sourcePort the REGISTER's source port
 * @param userAgent the User-Agent header, or null
 * @param registeredAtMillis when the binding was created (refreshes keep it)
 * @param q the q-value preference (0-1), or -1 when absent
 */
public record Binding(String number, Uri contactUri, String instanceId, int regId, String callId, long cseq,
    long expiresAtMillis, String flowId, Transport transport, String sourceHost, int sourcePort, String userAgent,
    long registeredAtMillis, double q) {

  /** Seconds left at {@code nowMillis} (rounded up, never negative). */
  public long expiresInSeconds(long nowMillis) {
    return Math.max(0, (expiresAtMillis - nowMillis + 999) / 1000);
  }

  public boolean isExpired(long nowMillis) {
    return expiresAtMillis <= nowMillis;
  }

  /** True for bindings made over a connection (TCP, TLS, WebSocket): they vanish when it closes. */
  public boolean isConnectionBound() {
    return transport != null && transport.isReliable();
  }

  /** True for a browser (SIP over WebSocket): always behind NAT, needs ICE/DTLS media. */
  public boolean isWebSocket() {
    return transport != null && transport.isWebSocket();
  }

  /**
   * RFC 3261 10.3 step 7 / RFC 5626 matching of a Contact in a REGISTER: a contact carrying +sip.instance
   * matches the binding of the same instance and reg-id (whatever its URI: the UA got a new address); otherwise
   * the URIs must be equivalent.
   */
  public boolean matches(Uri otherUri, String otherInstance, int otherRegId) {
    if (otherInstance != null) {
      return otherInstance.equals(instanceId) && otherRegId == regId;
    }
    if (contactUri instanceof SipUri a && otherUri instanceof SipUri b) {
      return a.equivalentTo(b);
    }
    return contactUri.toString().equals(otherUri.toString());
  }
}
