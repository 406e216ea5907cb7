package one.webph.server.sip;

import java.net.InetAddress;
import java.net.UnknownHostException;
import one.webph.sip.message.HostNames;

/** An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is /32 or /128. */
public record Cidr(byte[] network, int prefixLength) {

  /** Parses literal addresses only (never DNS). */
  public static Cidr parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String address = slash < 0 ? s : s.substring(0, slash);
    if (address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);
    }
    if (!HostNames.isIpv4(address) && !HostNames.isIpv6(address)) {
      throw new IllegalArgumentException("not an IP address or CIDR block: '" + text + "'");
    }
    byte[] bytes = literal(address);
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in '" + text + "'");
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("prefix length out of range 0-" + max + " in '" + text + "'");
      }
    }
    return new Cidr(mask(bytes, prefix), prefix);
  }

  /** True when the literal address (IPv4 or IPv6, brackets allowed) lies in this block. */
  public boolean contains(String ip) {
    if (ip == null) {
      return false;
    }
    String a = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
    if (!HostNames.isIpv4(a) && !HostNames.isIpv6(a)) {
      return false;
    }
    byte[] bytes = literal(a);
    if (bytes.length != network.length) {
      return false;
    }
    byte[] masked = mask(bytes, prefixLength);
    return java.util.Arrays.equals(masked, network);
  }

  static byte[] literal(String address) {
    try {
      // A literal (checked by the caller) is converted without any name lookup.
      return InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: '" + address + "'");
    }
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (bitsHere == 0 ? 0 : (0xff << (8 - bitsHere))));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefixLength == prefixLength && java.util.Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(network) * 31 + prefixLength;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
