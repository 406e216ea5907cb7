package one.webph.media.sdp;

/** The {@code o=} line: {@code <username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>}. */
public record Origin(String username, String sessionId, String sessionVersion, String netType, String addrType,
                     String address) {

    public static Origin parse(String value) {
        String[] parts = SdpText.fields(value);
        if (parts.length != 6) {
            throw new SdpParseException("o= line needs 6 fields: " + value);
        }
        return new Origin(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
    }

    public Origin withAddress(String newAddress) {
        return new Origin(username, sessionId, sessionVersion, netType, Connection.addrTypeOf(newAddress), newAddress);
    }

    public Origin withSessionVersion(String version) {
        return new Origin(username, sessionId, version, netType, addrType, address);
    }

    @Override
    public String toString() {
        return username + " " + sessionId + " " + sessionVersion + " " + netType + " " + addrType + " " + address;
    }
}
