/**
 * Vert.x transports: {@link one.webph.sip.transport.SipTransportLayer} owns UDP/TCP/TLS/WS/WSS listeners and
 * connections ({@link one.webph.sip.transport.SipFlow}) and delivers decoded messages to a
 * {@link one.webph.sip.transport.SipTransportListener} on a single core context.
 */
package one.webph.sip.transport;
