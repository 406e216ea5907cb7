package one.webph.webpush;

import java.util.Base64;

/** Unpadded base64url (RFC 4648 section 5), the encoding Web Push uses for keys, secrets and JWTs. */
public final class Base64Url {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {
    }

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /**
     * Decodes base64url, tolerating '=' padding and the standard alphabet ('+', '/'), because browsers' and
     * older clients' subscription JSON has been seen in both forms.
     *
     * @throws IllegalArgumentException with {@code what} in the message when the text is not base64
     */
    public static byte[] decode(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        String normalized = text.strip().replace('+', '-').replace('/', '_');
        int end = normalized.length();
        while (end > 0 && normalized.charAt(end - 1) == '=') {
            end--;
        }
        try {
            return DECODER.decode(normalized.substring(0, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid base64url: " + e.getMessage(), e);
        }
    }
}
