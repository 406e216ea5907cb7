/**
 * Web Push sender library: VAPID application-server identification (RFC 8292), message encryption (RFC 8291 with
 * the aes128gcm content coding of RFC 8188) and an asynchronous HTTP sender with retry. No storage, no policy: the
 * caller keeps subscriptions and decides what to push.
 */
package one.webph.webpush;
