/**
 * SIP message model: {@link one.webph.sip.message.SipRequest}, {@link one.webph.sip.message.SipResponse}, ordered
 * {@link one.webph.sip.message.HeaderField}s with compact-form aware lookup, and immutable typed values
 * ({@link one.webph.sip.message.Via}, {@link one.webph.sip.message.NameAddress},
 * {@link one.webph.sip.message.Contact}, {@link one.webph.sip.message.CSeq},
 * {@link one.webph.sip.message.SipUri}, {@link one.webph.sip.message.TelUri},
 * {@link one.webph.sip.message.AuthHeader}). Serialisation keeps untouched header lines byte for byte.
 */
package one.webph.sip.message;
