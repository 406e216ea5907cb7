package one.webph.media.relay;

import static org.assertj.core.api.Assertions.assertThat;

import one.webph.media.TestResources;
import one.webph.media.sdp.SessionDescription;
import one.webph.media.stun.IceLiteAgent;
import org.junit.jupiter.api.Test;

/** SDP written for WebRTC legs: the BUNDLE group (RFC 9143) browsers need. */
class SdpRewriterTest {
    static final String RELAY_IP = "203.0.113.5";
    static final String FINGERPRINT = "sha-256 AB:CD";
    static final String PHONE_SDP = "v=0\r\no=phone 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            + "a=sendrecv\r\n";

    static MediaLeg browserLeg(boolean peerBundles) {
        MediaLeg leg = new MediaLeg("caller", LegType.BROWSER);
        leg.ice = new IceLiteAgent(System::currentTimeMillis);
        leg.rtpPort = 30000;
        leg.rtcpPort = 30000;
        leg.setAdvertisedAddress(RELAY_IP);
        leg.peerBundles = peerBundles;
        return leg;
    }

    static String sessionPart(String sdp) {
        return sdp.substring(0, sdp.indexOf("\r\nm=") + 2);
    }

    @Test
    void aPhoneAnswerForABrowserThatOfferedBundleGetsTheGroupWithTheAudioMid() {
        String out = SdpRewriter.rewrite(SessionDescription.parse(PHONE_SDP), LegType.PLAIN, browserLeg(true), false,
                false, FINGERPRINT);
        // session level, once, naming the mid the rewriter gave the audio section
        assertThat(sessionPart(out)).contains("a=group:BUNDLE 0\r\n");
        assertThat(out.split("a=group:", -1)).hasSize(2);
        assertThat(SessionDescription.parse(out).audio().mid()).isEqualTo("0");
    }

    @Test
    void anAnswerToABrowserThatDidNotOfferBundleHasNoGroup() {
        String out = SdpRewriter.rewrite(SessionDescription.parse(PHONE_SDP), LegType.PLAIN, browserLeg(false), false,
                false, FINGERPRINT);
        assertThat(out).doesNotContain("a=group:");
    }

    @Test
    void anOfferToABrowserAlwaysBundlesTheAudioSection() {
        String out = SdpRewriter.rewrite(SessionDescription.parse(PHONE_SDP), LegType.PLAIN, browserLeg(false), true,
                false, FINGERPRINT);
        assertThat(sessionPart(out)).contains("a=group:BUNDLE 0\r\n");
    }

    @Test
    void aBundleOfAudioAndVideoBecomesAudioOnlySinceVideoIsRejected() {
        String chromium = TestResources.text("/sdp/chromium-offer.sdp");
        String withVideo = chromium.replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1")
                + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n";
        String out = SdpRewriter.rewrite(SessionDescription.parse(withVideo), LegType.BROWSER, browserLeg(true), true,
                true, FINGERPRINT);
        assertThat(sessionPart(out)).contains("a=group:BUNDLE 0\r\n").doesNotContain("BUNDLE 0 1");
        assertThat(SessionDescription.parse(out).media().get(1).port()).isZero();
    }

    @Test
    void aPhoneGetsNoGroup() {
        MediaLeg phone = new MediaLeg("callee", LegType.PLAIN);
        phone.rtpPort = 30002;
        phone.rtcpPort = 30003;
        phone.setAdvertisedAddress(RELAY_IP);
        String out = SdpRewriter.rewrite(SessionDescription.parse(TestResources.text("/sdp/chromium-offer.sdp")),
                LegType.BROWSER, phone, true, false, FINGERPRINT);
        assertThat(out).doesNotContain("a=group:", "a=mid:");
    }
}
