package one.webph.sip.message;

/** Syntax checks for host names and IP literals (no DNS). */
public final class HostNames {
    private HostNames() {}

    /** hostname / IPv4address / IPv6reference as allowed in SIP URIs and Via sent-by. */
    public static boolean isHost(String s) {
        return s.startsWith("[") ? isIpv6Reference(s) : isHostname(s);
    }

    /**
     * Letters, digits, '-' and '.' (IPv4 addresses included). '_' is tolerated because deployed devices use it.
     */
    public static boolean isHostname(String s) {
        if (s.isEmpty() || s.length() > 255) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return s.charAt(0) != '.' && s.charAt(0) != '-';
    }

    public static boolean isIpv4(String s) {
        int parts = 0;
        int i = 0;
        while (i <= s.length()) {
            int start = i;
            int v = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                v = v * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == start || v > 255) {
                return false;
            }
            parts++;
            if (i == s.length()) {
                break;
            }
            if (s.charAt(i) != '.') {
                return false;
            }
            i++;
        }
        return parts == 4;
    }

    public static boolean isIpv6Reference(String s) {
        return s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']'
                && isIpv6(s.substring(1, s.length() - 1));
    }

    public static boolean isIpv6(String s) {
        if (s.length() < 2 || s.indexOf(':') < 0) {
            return false;
        }
        int groups = 0;
        boolean compressed = s.contains("::");
        if (compressed && s.indexOf("::") != s.lastIndexOf("::")) {
            return false;
        }
        String[] parts = s.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) {
                continue;
            }
            if (i == parts.length - 1 && p.indexOf('.') >= 0) {
                if (!isIpv4(p)) {
                    return false;
                }
                groups += 2;
                continue;
            }
            if (p.length() > 4) {
                return false;
            }
            for (int j = 0; j < p.length(); j++) {
                if (!SipText.isHex(p.charAt(j))) {
                    return false;
                }
            }
            groups++;
        }
        return compressed ? groups < 8 : groups == 8;
    }

    /** True for IPv4 addresses and IPv6 literals (bracketed or not). */
    public static boolean isIpAddress(String s) {
        return isIpv4(s) || isIpv6(s) || isIpv6Reference(s);
    }
}
