package one.webph.media.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code a=candidate:} (RFC 8839 section 5.1):
 * {@code <foundation> <component> <transport> <priority> <address> <port> typ <type> [raddr <a>] [rport <p>] *(<ext> <value>)}.
 */
public record Candidate(String foundation, int component, String transport, long priority, String address, int port,
                        String type, String relatedAddress, Integer relatedPort, List<String> extensions) {

    public static Candidate parse(String value) {
        String[] p = SdpText.fields(value);
        if (p.length < 8 || !p[6].equals("typ")) {
            throw new SdpParseException("bad candidate: " + value);
        }
        try {
            String raddr = null;
            Integer rport = null;
            List<String> ext = new ArrayList<>();
            for (int i = 8; i + 1 < p.length; i += 2) {
                switch (p[i]) {
                    case "raddr" -> raddr = p[i + 1];
                    case "rport" -> rport = Integer.parseInt(p[i + 1]);
                    default -> {
                        ext.add(p[i]);
                        ext.add(p[i + 1]);
                    }
                }
            }
            return new Candidate(p[0], Integer.parseInt(p[1]), p[2], Long.parseLong(p[3]), p[4], Integer.parseInt(p[5]),
                    p[7], raddr, rport, List.copyOf(ext));
        } catch (NumberFormatException e) {
            throw new SdpParseException("bad candidate number: " + value);
        }
    }

    /** RFC 8445 section 5.1.2.1 priority for a host candidate of a single-interface agent. */
    public static long hostPriority(int component) {
        return (126L << 24) | (65535L << 8) | (256 - component);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(foundation).append(' ').append(component).append(' ').append(transport).append(' ').append(priority)
                .append(' ').append(address).append(' ').append(port).append(" typ ").append(type);
        if (relatedAddress != null) {
            sb.append(" raddr ").append(relatedAddress);
        }
        if (relatedPort != null) {
            sb.append(" rport ").append(relatedPort);
        }
        for (String e : extensions) {
            sb.append(' ').append(e);
        }
        return sb.toString();
    }
}
