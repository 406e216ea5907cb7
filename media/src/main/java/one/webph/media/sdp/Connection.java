package one.webph.media.sdp;

/** The {@code c=} line: {@code <nettype> <addrtype> <connection-address>}. */
public record Connection(String netType, String addrType, String address) {

    public static Connection parse(String value) {
        String[] parts = SdpText.fields(value);
        if (parts.length != 3) {
            throw new SdpParseException("c= line needs 3 fields: " + value);
        }
        return new Connection(parts[0], parts[1], parts[2]);
    }

    public static Connection of(String address) {
        return new Connection("IN", addrTypeOf(address), address);
    }

    static String addrTypeOf(String address) {
        return address.indexOf(':') >= 0 ? "IP6" : "IP4";
    }

    /** The address without a multicast TTL / count suffix. */
    public String host() {
        int slash = address.indexOf('/');
        return slash < 0 ? address : address.substring(0, slash);
    }

    @Override
    public String toString() {
        return netType + " " + addrType + " " + address;
    }
}
