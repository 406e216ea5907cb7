package one.webph.media.dtls;

/** Which side of the DTLS handshake we take (RFC 5763 section 5: derived from a=setup). */
public enum DtlsRole {
    /** We send the ClientHello: our SDP says {@code a=setup:active}. */
    CLIENT,
    /** We wait for the ClientHello: our SDP says {@code a=setup:passive}. */
    SERVER;

    /** Our role given the peer's a=setup value; actpass from the peer means we choose, and we choose server. */
    public static DtlsRole fromPeerSetup(String peerSetup) {
        if (peerSetup == null) {
            return SERVER; // RFC 4145: absent means active, so the peer connects to us
        }
        return switch (peerSetup.trim()) {
            case "active" -> SERVER;
            case "passive" -> CLIENT;
            case "actpass" -> SERVER;
            default -> throw new IllegalArgumentException("bad a=setup: " + peerSetup);
        };
    }

    /** What our SDP answer says for this role. */
    public String setupAttribute() {
        return this == CLIENT ? "active" : "passive";
    }
}
