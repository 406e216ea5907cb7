package one.webph.media.stun;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.function.LongSupplier;

/**
 * ICE-lite agent for one media leg (RFC 8445 sections 2.5 and 8.2; RFC 8839 for the SDP side). A lite agent only
 * answers connectivity checks: it never sends checks and is always controlled. It validates
 * {@code USERNAME = ourUfrag:theirUfrag} and MESSAGE-INTEGRITY keyed with our ice-pwd, answers with
 * XOR-MAPPED-ADDRESS + MESSAGE-INTEGRITY + FINGERPRINT, and latches the peer address media must go to.
 *
 * <p>Latching: before nomination the first valid check's source is used so media can flow at once; a check with
 * USE-CANDIDATE nominates its source, after which un-nominated checks from elsewhere do not move it.
 *
 * <p>Consent freshness (RFC 7675): the time of the last valid check is recorded; {@link #consentExpired(long)}
 * tells the owner when none arrived for {@link #CONSENT_TIMEOUT_MILLIS}.
 *
 * <p>Not thread-safe: each leg calls it from its own event loop only.
 */
public final class IceLiteAgent {
    public static final long CONSENT_TIMEOUT_MILLIS = 30_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ICE_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();
    private static final String SOFTWARE = "webph.one media";

    /** Outcome of handling one datagram. */
    public record CheckResult(byte[] response, boolean valid, boolean latchChanged, String error) {
    }

    private final LongSupplier clockMillis;
    private String localUfrag;
    private String localPwd;
    private byte[] localPwdBytes;
    private String remoteUfrag;
    private InetSocketAddress latchedAddress;
    private boolean nominated;
    private long lastValidCheckMillis = -1;
    private long validChecks;

    public IceLiteAgent(LongSupplier clockMillis) {
        this(randomIceString(8), randomIceString(24), clockMillis);
    }

    public IceLiteAgent(String localUfrag, String localPwd, LongSupplier clockMillis) {
        // RFC 8839 5.4: ufrag at least 4 characters, pwd at least 22.
        if (localUfrag.length() < 4 || localPwd.length() < 22) {
            throw new IllegalArgumentException("ice-ufrag must be >= 4 and ice-pwd >= 22 characters");
        }
        this.clockMillis = clockMillis;
        setLocalCredentials(localUfrag, localPwd);
    }

    public static String randomIceString(int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = ICE_CHARS[RANDOM.nextInt(ICE_CHARS.length)];
        }
        return new String(c);
    }

    private void setLocalCredentials(String ufrag, String pwd) {
        this.localUfrag = ufrag;
        this.localPwd = pwd;
        this.localPwdBytes = pwd.getBytes(StandardCharsets.UTF_8);
    }

    public String localUfrag() {
        return localUfrag;
    }

    public String localPwd() {
        return localPwd;
    }

    /** The peer's ice-ufrag from its SDP; when set, the second half of USERNAME must match it. */
    public void setRemoteUfrag(String remoteUfrag) {
        this.remoteUfrag = remoteUfrag;
    }

    public String remoteUfrag() {
        return remoteUfrag;
    }

    /**
     * ICE restart (RFC 8445 section 9): new local credentials; the nomination is cleared but the latched address is
     * kept so media keeps flowing until the peer's checks with the new credentials arrive.
     */
    public void restart(String newRemoteUfrag) {
        setLocalCredentials(randomIceString(8), randomIceString(24));
        this.remoteUfrag = newRemoteUfrag;
        this.nominated = false;
    }

    public InetSocketAddress latchedAddress() {
        return latchedAddress;
    }

    public boolean nominated() {
        return nominated;
    }

    public long validChecks() {
        return validChecks;
    }

    public boolean consentExpired(long nowMillis) {
        long reference = lastValidCheckMillis;
        return reference >= 0 && nowMillis - reference >= CONSENT_TIMEOUT_MILLIS;
    }

    public long lastValidCheckMillis() {
        return lastValidCheckMillis;
    }

    /**
     * Handles one STUN datagram received from {@code source}. Returns what to send back (null response when nothing
     * should be sent: responses/indications we did not ask for, or garbage that is not STUN at all).
     */
    public CheckResult handle(byte[] data, int offset, int length, InetSocketAddress source) {
        StunMessage request;
        try {
            request = StunMessage.decode(data, offset, length);
        } catch (StunException e) {
            return new CheckResult(null, false, false, e.getMessage());
        }
        if (request.type() != StunMessage.BINDING_REQUEST) {
            // A lite agent sends no requests, so responses and indications (keepalives) need no answer.
            return new CheckResult(null, false, false, null);
        }
        if (request.has(StunAttribute.FINGERPRINT) && !request.fingerprintValid()) {
            // RFC 8489 7.3: a bad FINGERPRINT means this is not STUN for us; discard silently.
            return new CheckResult(null, false, false, "bad FINGERPRINT");
        }
        for (StunAttribute a : request.attributes()) {
            if (a.comprehensionRequired() && !known(a.type())) {
                return new CheckResult(error(request, 420, "Unknown Attribute", a.type()), false, false,
                        "unknown comprehension-required attribute");
            }
        }
        String username = request.username();
        if (username == null || !request.has(StunAttribute.MESSAGE_INTEGRITY)) {
            return new CheckResult(error(request, 400, "Bad Request", -1), false, false,
                    "missing USERNAME or MESSAGE-INTEGRITY");
        }
        int colon = username.indexOf(':');
        String ours = colon < 0 ? username : username.substring(0, colon);
        String theirs = colon < 0 ? "" : username.substring(colon + 1);
        if (!ours.equals(localUfrag) || (remoteUfrag != null && !theirs.equals(remoteUfrag))
                || !request.integrityValid(localPwdBytes)) {
            return new CheckResult(error(request, 401, "Unauthenticated", -1), false, false, "authentication failed");
        }
        validChecks++;
        lastValidCheckMillis = clockMillis.getAsLong();
        boolean useCandidate = request.has(StunAttribute.USE_CANDIDATE);
        boolean changed = false;
        if (useCandidate) {
            changed = !source.equals(latchedAddress);
            latchedAddress = source;
            nominated = true;
        } else if (latchedAddress == null) {
            latchedAddress = source;
            changed = true;
        }
        // Otherwise keep the current address: checks the peer makes on other pairs must not make media flap.
        byte[] response = StunMessage.builder(StunMessage.BINDING_SUCCESS, request.transactionId())
                .addXorMappedAddress(source)
                .encode(localPwdBytes, true);
        return new CheckResult(response, true, changed, null);
    }

    private static boolean known(int type) {
        return type == StunAttribute.USERNAME || type == StunAttribute.MESSAGE_INTEGRITY
                || type == StunAttribute.PRIORITY || type == StunAttribute.USE_CANDIDATE
                || type == StunAttribute.XOR_MAPPED_ADDRESS || type == StunAttribute.ERROR_CODE
                || type == StunAttribute.REALM || type == StunAttribute.NONCE
                || type == StunAttribute.MAPPED_ADDRESS;
    }

    /**
     * Error response (RFC 8489 section 6.3.1.1): no MESSAGE-INTEGRITY, since the request could not be
     * authenticated, but FINGERPRINT so the peer's demultiplexer recognises it.
     */
    private static byte[] error(StunMessage request, int code, String reason, int unknownType) {
        StunMessage.Builder b = StunMessage.builder(StunMessage.BINDING_ERROR, request.transactionId())
                .addErrorCode(code, reason)
                .add(StunAttribute.SOFTWARE, SOFTWARE);
        if (unknownType >= 0) {
            b.add(StunAttribute.UNKNOWN_ATTRIBUTES, new byte[] {(byte) (unknownType >> 8), (byte) unknownType});
        }
        return b.encode(null, true);
    }
}
