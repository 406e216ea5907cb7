package one.webph.server.numbers;

import java.time.Instant;

/**
 * A SIP account. {@code ha1} is MD5(number:realm:password) and {@code ha1Sha256} the SHA-256 of the same string
 * (RFC 7616 digest), where realm is {@code domain}. The password itself is never stored.
 */
public record Subscriber(String number, String domain, String ha1, String ha1Sha256, String email,
    Instant createdAt, boolean disabled) {}
