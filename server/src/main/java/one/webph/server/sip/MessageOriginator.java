package one.webph.server.sip;

import io.vertx.core.Future;

/**
 * Lets other components send a new out-of-dialog MESSAGE (RFC 3428) to one registered device, e.g. the push
 * component delivering messages stored while the number was offline.
 */
@FunctionalInterface
public interface MessageOriginator {

  /**
   * Sends a MESSAGE to {@code to} (Request-URI its contact, down the flow it registered on) with
   * {@code From: fromUri} (a new tag), {@code To} the number's address of record, a new Call-ID, the given Date,
   * Content-Type and body. Call on the SIP event loop; never blocks.
   *
   * @return the final status code (408 when unanswered, 503 when the device is unreachable)
   */
  Future<Integer> sendMessage(Binding to, String fromUri, String contentType, byte[] body, String date);
}
