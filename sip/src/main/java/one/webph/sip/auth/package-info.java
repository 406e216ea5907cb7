/**
 * Digest authentication helpers (RFC 2617, RFC 7616, RFC 8760): parsing/formatting of challenges and credentials,
 * HA1/response computation for MD5 and SHA-256 (and -sess variants), and a stateless
 * {@link one.webph.sip.auth.NonceSigner}. Nonce policy and user lookup belong to the server.
 */
package one.webph.sip.auth;
