/**
 * RFC 3261 section 17 transactions (with RFC 6026 ACCEPTED states) on an injectable clock.
 *
 * <p>Wiring: create a {@code SipTransportLayer} (listener null), a {@link one.webph.sip.transaction.TransactionLayer}
 * with a {@link one.webph.sip.transaction.TransportSender} and a {@link one.webph.sip.transaction.VertxTimerService}
 * on the transport's core context, then {@code transport.setListener(transactionLayer)}.
 *
 * <p>Not here, by design: Timer C (RFC 3261 16.6 step 11 / 16.8) belongs to the proxy core, which starts it per
 * forwarded INVITE branch, restarts it on provisional responses and calls
 * {@link one.webph.sip.transaction.ClientTransaction#cancel()} (and answers 408 upstream as appropriate) when it
 * fires. 2xx ACKs are end-to-end and reach the TU through
 * {@link one.webph.sip.transaction.TransactionUser#onAck}; a proxy forwards them statelessly.
 */
package one.webph.sip.transaction;
