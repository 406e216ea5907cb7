/**
 * Framing and parsing: {@link one.webph.sip.parser.SipMessageParser} for datagrams / WebSocket frames,
 * {@link one.webph.sip.parser.SipStreamDecoder} for TCP/TLS streams. Failures are always
 * {@link one.webph.sip.parser.SipParseException}, which says whether a 400 can be sent back.
 */
package one.webph.sip.parser;
