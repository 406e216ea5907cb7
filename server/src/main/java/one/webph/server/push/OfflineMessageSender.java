package one.webph.server.push;

import io.vertx.core.Future;
import one.webph.server.sip.Binding;

/**
 * Sends one stored MESSAGE to a device that just registered: the proxy's side of offline message delivery
 * (implemented by the SIP service, used by {@link OfflineMessageDelivery}).
 */
@FunctionalInterface
public interface OfflineMessageSender {

  /**
   * Sends a new out-of-dialog MESSAGE (RFC 3428) to {@code to}: Request-URI the binding's contact, sent down the
   * binding's flow, {@code From: <fromUri>} with a new tag, {@code To} the number's address of record, a new
   * Call-ID, {@code Date: date}, and the given Content-Type and body. Called on the SIP event loop; must not block.
   *
   * @param fromUri     the original sender's URI, as stored
   * @param contentType the original Content-Type
   * @param body        the original body
   * @param date        the original date as an RFC 3261 {@code rfc1123-date} (e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT})
   * @return the final status code of the MESSAGE transaction (408 for a timeout, 503 when the flow is gone); a
   *     failed future counts as not delivered
   */
  Future<Integer> sendMessage(Binding to, String fromUri, String contentType, byte[] body, String date);
}
