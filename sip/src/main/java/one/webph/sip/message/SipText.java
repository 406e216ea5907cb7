package one.webph.sip.message;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Character classes and escaping rules of the RFC 3261 section 25 grammar.
 * Lookup tables instead of regular expressions: this sits in the parse hot path.
 */
public final class SipText {
    private SipText() {}

    private static final boolean[] TOKEN = new boolean[128];
    private static final boolean[] WORD = new boolean[128];
    private static final boolean[] UNRESERVED = new boolean[128];
    private static final boolean[] USER = new boolean[128];
    private static final boolean[] PASSWORD = new boolean[128];
    private static final boolean[] PARAM = new boolean[128];
    private static final boolean[] HNV = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            TOKEN[c] = alnum || "-.!%*_+`'~".indexOf(c) >= 0;
            WORD[c] = TOKEN[c] || "()<>:\\\"/[]?{}".indexOf(c) >= 0;
            UNRESERVED[c] = alnum || "-_.!~*'()".indexOf(c) >= 0;
            USER[c] = UNRESERVED[c] || "&=+$,;?/".indexOf(c) >= 0;
            PASSWORD[c] = UNRESERVED[c] || "&=+$,".indexOf(c) >= 0;
            PARAM[c] = UNRESERVED[c] || "[]/:&+$".indexOf(c) >= 0;
            HNV[c] = UNRESERVED[c] || "[]/?:+$".indexOf(c) >= 0;
        }
    }

    public static boolean isToken(char c) {
        return c < 128 && TOKEN[c];
    }

    public static boolean isWord(char c) {
        return c < 128 && WORD[c];
    }

    public static boolean isToken(CharSequence s) {
        if (s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isToken(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    public static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }

    /** URI user part characters (unreserved / user-unreserved; '%' handled as escape separately). */
    static boolean isUserChar(char c) {
        return c < 128 && USER[c];
    }

    static boolean isPasswordChar(char c) {
        return c < 128 && PASSWORD[c];
    }

    static boolean isParamChar(char c) {
        return c < 128 && PARAM[c];
    }

    static boolean isHeaderNameValueChar(char c) {
        return c < 128 && HNV[c];
    }

    static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hexValue(char c) {
        if (c <= '9') {
            return c - '0';
        }
        return (c | 0x20) - 'a' + 10;
    }

    /**
     * Checks that {@code s} only contains characters of the given class or valid %HH escapes.
     * @return null when valid, otherwise a description of the first offending character
     */
    static String checkEscaped(String s, int kind) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || !isHex(s.charAt(i + 1)) || !isHex(s.charAt(i + 2))) {
                    return "bad escape at " + i;
                }
                i += 2;
                continue;
            }
            boolean ok = switch (kind) {
                case 0 -> isUserChar(c);
                case 1 -> isPasswordChar(c);
                case 2 -> isParamChar(c);
                default -> isHeaderNameValueChar(c);
            };
            if (!ok) {
                return "illegal character '" + printable(c) + "'";
            }
        }
        return null;
    }

    static final int USER_CLASS = 0;
    static final int PASSWORD_CLASS = 1;
    static final int PARAM_CLASS = 2;
    static final int HEADER_CLASS = 3;

    /** Decodes %HH escapes (UTF-8 octets). Invalid escapes are kept literally. */
    public static String unescape(String s) {
        if (s == null || s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
                out.write(hexValue(s.charAt(i + 1)) * 16 + hexValue(s.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Escapes everything outside the URI user character class (RFC 3261 section 25 "user"). */
    public static String escapeUser(String s) {
        return escape(s, USER_CLASS);
    }

    /** Escapes everything outside the URI parameter character class. */
    public static String escapeParam(String s) {
        return escape(s, PARAM_CLASS);
    }

    /** Escapes everything outside the URI header (hname / hvalue) character class. */
    public static String escapeHeader(String s) {
        return escape(s, HEADER_CLASS);
    }

    private static String escape(String s, int kind) {
        StringBuilder sb = null;
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean ok = b < 128 && switch (kind) {
                case USER_CLASS -> USER[b];
                case PASSWORD_CLASS -> PASSWORD[b];
                case PARAM_CLASS -> PARAM[b];
                default -> HNV[b];
            };
            if (sb == null) {
                if (ok) {
                    continue;
                }
                sb = new StringBuilder(bytes.length + 8);
                sb.append(new String(bytes, 0, i, StandardCharsets.ISO_8859_1));
            }
            if (ok) {
                sb.append((char) b);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Quotes a display name or parameter value as an RFC 3261 quoted-string. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\x%02X", (int) c) : String.valueOf(c);
    }
}
