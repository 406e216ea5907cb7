package one.webph.media.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IceLiteAgentTest {
    static final String LOCAL_UFRAG = "relayUfrag";
    static final String LOCAL_PWD = "relayPasswordOf22Chars+";
    final AtomicLong clock = new AtomicLong(1_000_000);
    IceLiteAgent agent;
    InetSocketAddress peerA;
    InetSocketAddress peerB;

    @BeforeEach
    void setUp() throws Exception {
        agent = new IceLiteAgent(LOCAL_UFRAG, LOCAL_PWD, clock::get);
        agent.setRemoteUfrag("peer");
        peerA = new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 40000);
        peerB = new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 50000);
    }

    static byte[] check(String username, String password, boolean useCandidate) {
        StunMessage.Builder b = StunMessage.builder(StunMessage.BINDING_REQUEST, StunMessage.newTransactionId())
                .add(StunAttribute.USERNAME, username)
                .addUint32(StunAttribute.PRIORITY, 1853824767L)
                .addUint64(StunAttribute.ICE_CONTROLLING, 0x1234567890L);
        if (useCandidate) {
            b.add(StunAttribute.USE_CANDIDATE, new byte[0]);
        }
        return b.encode(password.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void validCheckGetsAuthenticatedSuccessWithMappedAddress() throws Exception {
        byte[] request = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, false);
        IceLiteAgent.CheckResult r = agent.handle(request, 0, request.length, peerA);
        assertThat(r.valid()).isTrue();
        StunMessage response = StunMessage.decode(r.response());
        assertThat(response.type()).isEqualTo(StunMessage.BINDING_SUCCESS);
        assertThat(response.transactionId()).isEqualTo(StunMessage.decode(request).transactionId());
        assertThat(response.xorMappedAddress()).isEqualTo(peerA);
        assertThat(response.integrityValid(LOCAL_PWD.getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(response.fingerprintValid()).isTrue();
        assertThat(response.attributes().get(response.attributes().size() - 1).type())
                .isEqualTo(StunAttribute.FINGERPRINT);
        // latched before nomination so media can flow at once
        assertThat(agent.latchedAddress()).isEqualTo(peerA);
        assertThat(agent.nominated()).isFalse();
        assertThat(r.latchChanged()).isTrue();
    }

    @Test
    void wrongPasswordOrUfragGets401AndNoLatch() throws Exception {
        for (byte[] request : new byte[][] {
            check(LOCAL_UFRAG + ":peer", "someOtherPasswordXXXXXXX", false),
            check("otherUfrag:peer", LOCAL_PWD, false),
            check(LOCAL_UFRAG + ":notThePeer", LOCAL_PWD, false)}) {
            IceLiteAgent.CheckResult r = agent.handle(request, 0, request.length, peerA);
            assertThat(r.valid()).isFalse();
            StunMessage response = StunMessage.decode(r.response());
            assertThat(response.type()).isEqualTo(StunMessage.BINDING_ERROR);
            assertThat(response.errorCode()).isEqualTo(401);
            assertThat(response.has(StunAttribute.MESSAGE_INTEGRITY)).isFalse();
            assertThat(response.fingerprintValid()).isTrue();
        }
        assertThat(agent.latchedAddress()).isNull();
    }

    @Test
    void missingCredentialsGet400() throws Exception {
        byte[] noIntegrity = StunMessage.builder(StunMessage.BINDING_REQUEST, StunMessage.newTransactionId())
                .add(StunAttribute.USERNAME, LOCAL_UFRAG + ":peer").encode(null, true);
        byte[] noUsername = StunMessage.builder(StunMessage.BINDING_REQUEST, StunMessage.newTransactionId())
                .encode(LOCAL_PWD.getBytes(StandardCharsets.UTF_8), true);
        for (byte[] request : new byte[][] {noIntegrity, noUsername}) {
            IceLiteAgent.CheckResult r = agent.handle(request, 0, request.length, peerA);
            assertThat(StunMessage.decode(r.response()).errorCode()).isEqualTo(400);
        }
        assertThat(agent.latchedAddress()).isNull();
    }

    @Test
    void unknownComprehensionRequiredAttributeGets420() throws Exception {
        byte[] request = StunMessage.builder(StunMessage.BINDING_REQUEST, StunMessage.newTransactionId())
                .add(StunAttribute.USERNAME, LOCAL_UFRAG + ":peer").add(0x0033, new byte[4])
                .encode(LOCAL_PWD.getBytes(StandardCharsets.UTF_8), true);
        IceLiteAgent.CheckResult r = agent.handle(request, 0, request.length, peerA);
        StunMessage response = StunMessage.decode(r.response());
        assertThat(response.errorCode()).isEqualTo(420);
        assertThat(response.attribute(StunAttribute.UNKNOWN_ATTRIBUTES).value()).containsExactly(0x00, 0x33);
    }

    @Test
    void badFingerprintAndGarbageAreDroppedSilently() {
        byte[] request = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, false);
        request[request.length - 1] ^= 0x55;
        assertThat(agent.handle(request, 0, request.length, peerA).response()).isNull();
        byte[] garbage = {0, 1, 0, 0, 1, 2, 3};
        assertThat(agent.handle(garbage, 0, garbage.length, peerA).response()).isNull();
        byte[] indication = StunMessage.builder(0x0011, StunMessage.newTransactionId()).encode(null, true);
        assertThat(agent.handle(indication, 0, indication.length, peerA).response()).isNull();
        assertThat(agent.latchedAddress()).isNull();
    }

    @Test
    void useCandidateNominatesAndPinsTheAddress() {
        byte[] first = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, false);
        agent.handle(first, 0, first.length, peerA);
        byte[] nominate = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, true);
        IceLiteAgent.CheckResult r = agent.handle(nominate, 0, nominate.length, peerB);
        assertThat(r.latchChanged()).isTrue();
        assertThat(agent.latchedAddress()).isEqualTo(peerB);
        assertThat(agent.nominated()).isTrue();
        // un-nominated checks elsewhere are answered but do not move media
        byte[] other = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, false);
        IceLiteAgent.CheckResult r2 = agent.handle(other, 0, other.length, peerA);
        assertThat(r2.valid()).isTrue();
        assertThat(r2.latchChanged()).isFalse();
        assertThat(agent.latchedAddress()).isEqualTo(peerB);
    }

    @Test
    void consentExpiresThirtySecondsAfterTheLastValidCheck() {
        assertThat(agent.consentExpired(clock.get() + 100_000)).isFalse(); // no check yet: nothing to lose
        byte[] request = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, true);
        agent.handle(request, 0, request.length, peerA);
        clock.addAndGet(29_000);
        assertThat(agent.consentExpired(clock.get())).isFalse();
        byte[] refresh = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, false);
        agent.handle(refresh, 0, refresh.length, peerA);
        clock.addAndGet(29_999);
        assertThat(agent.consentExpired(clock.get())).isFalse();
        clock.addAndGet(1);
        assertThat(agent.consentExpired(clock.get())).isTrue();
    }

    @Test
    void iceRestartChangesCredentialsAndKeepsMediaAddress() {
        byte[] request = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, true);
        agent.handle(request, 0, request.length, peerA);
        agent.restart("peer2");
        assertThat(agent.localUfrag()).isNotEqualTo(LOCAL_UFRAG);
        assertThat(agent.nominated()).isFalse();
        assertThat(agent.latchedAddress()).isEqualTo(peerA);
        byte[] old = check(LOCAL_UFRAG + ":peer", LOCAL_PWD, true);
        assertThat(agent.handle(old, 0, old.length, peerB).valid()).isFalse();
        byte[] fresh = check(agent.localUfrag() + ":peer2", agent.localPwd(), true);
        assertThat(agent.handle(fresh, 0, fresh.length, peerB).valid()).isTrue();
        assertThat(agent.latchedAddress()).isEqualTo(peerB);
    }
}
