package one.webph.media.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import one.webph.media.TestResources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SessionDescriptionTest {

    @ParameterizedTest
    @ValueSource(strings = {"chromium-offer.sdp", "jssip-offer.sdp", "sipp-offer.sdp"})
    void roundTripsByteForByte(String file) {
        String text = TestResources.text("/sdp/" + file);
        assertThat(text).contains("\r\n");
        assertThat(SessionDescription.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void roundTripNormalisesBareLineFeedsAndKeepsUnknownLinesInOrder() {
        String text = TestResources.text("/sdp/baresip-offer-lf.sdp");
        SessionDescription sdp = SessionDescription.parse(text);
        assertThat(sdp.toString()).isEqualTo(text.replace("\n", "\r\n"));
        MediaDescription audio = sdp.audio();
        List<String> attributeOrder = audio.lines().stream().filter(l -> l.type() == 'a').map(SdpLine::attributeName)
                .toList();
        assertThat(attributeOrder).containsExactly("rtpmap", "rtpmap", "rtpmap", "fmtp", "rtcp",
                "x-unknown-vendor-thing", "sendrecv", "label", "ssrc", "ptime");
        assertThat(audio.attribute("x-unknown-vendor-thing")).isEqualTo("keep me");
        assertThat(audio.firstLine('b').value()).isEqualTo("AS:64");
        assertThat(sdp.attribute("tool")).isEqualTo("baresip 3.10.1");
        assertThat(audio.rtcpPort()).isEqualTo(10129);
        assertThat(audio.ssrcs()).containsExactly(3735928559L);
    }

    @Test
    void readsChromiumOffer() {
        SessionDescription sdp = SessionDescription.parse(TestResources.text("/sdp/chromium-offer.sdp"));
        assertThat(sdp.origin().sessionId()).isEqualTo("4611731400430051336");
        assertThat(sdp.origin().sessionVersion()).isEqualTo("2");
        assertThat(sdp.attribute("group")).isEqualTo("BUNDLE 0");
        MediaDescription audio = sdp.audio();
        assertThat(audio.proto()).isEqualTo("UDP/TLS/RTP/SAVPF");
        assertThat(audio.isDtlsSrtp()).isTrue();
        assertThat(audio.port()).isEqualTo(9);
        assertThat(audio.payloadTypes()).containsExactly(111, 63, 9, 0, 8, 13, 110, 126);
        assertThat(audio.rtpmap(111)).isEqualTo(new Rtpmap(111, "opus", 48000, "2"));
        assertThat(audio.rtpmap(126).is("telephone-event")).isTrue();
        assertThat(audio.fmtp(111)).isEqualTo("minptime=10;useinbandfec=1");
        assertThat(audio.iceUfrag()).isEqualTo("Fb7x");
        assertThat(audio.icePwd()).isEqualTo("q2mP0cR8sJwZk4YtLh1nVb9X");
        assertThat(audio.attribute("ice-options")).isEqualTo("trickle");
        assertThat(audio.setup()).isEqualTo("actpass");
        assertThat(audio.mid()).isEqualTo("0");
        assertThat(audio.rtcpMux()).isTrue();
        assertThat(audio.rtcpPort()).isEqualTo(9);
        assertThat(audio.rtcpAddress()).isEqualTo("0.0.0.0");
        assertThat(audio.ssrcs()).containsExactly(1001234567L);
        assertThat(audio.attributes("msid")).hasSize(1);
        assertThat(sdp.directionOf(audio)).isEqualTo(Direction.SENDRECV);
        Fingerprint fp = sdp.fingerprintFor(audio);
        assertThat(fp.hashFunction()).isEqualTo("sha-256");
        assertThat(fp.value()).startsWith("7B:8B:F0");
        List<Candidate> candidates = audio.candidates();
        assertThat(candidates).hasSize(3);
        Candidate srflx = candidates.get(1);
        assertThat(srflx.type()).isEqualTo("srflx");
        assertThat(srflx.address()).isEqualTo("203.0.113.7");
        assertThat(srflx.port()).isEqualTo(54321);
        assertThat(srflx.priority()).isEqualTo(1686052607L);
        assertThat(srflx.relatedAddress()).isEqualTo("192.168.1.20");
        assertThat(srflx.relatedPort()).isEqualTo(54321);
        assertThat(srflx.toString()).isEqualTo(audio.attributes("candidate").get(1));
        assertThat(candidates.get(2).transport()).isEqualTo("tcp");
    }

    @Test
    void readsPlainOffer() {
        SessionDescription sdp = SessionDescription.parse(TestResources.text("/sdp/sipp-offer.sdp"));
        MediaDescription audio = sdp.audio();
        assertThat(audio.isDtlsSrtp()).isFalse();
        assertThat(sdp.connectionFor(audio).host()).isEqualTo("192.0.2.10");
        assertThat(audio.port()).isEqualTo(6000);
        assertThat(audio.ptime()).isEqualTo(20);
        assertThat(audio.rtpmap(0).encodingName()).isEqualTo("PCMU");
        assertThat(audio.rtpmap(101).is("telephone-event")).isTrue();
        assertThat(audio.rtcpMux()).isFalse();
        assertThat(audio.rtcpPort()).isNull();
    }

    @Test
    void staticPayloadTypesWithoutRtpmapResolve() {
        SessionDescription sdp = SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\n"
                + "t=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\n");
        assertThat(sdp.audio().rtpmap(8)).isEqualTo(new Rtpmap(8, "PCMA", 8000, null));
        assertThat(sdp.audio().rtpmap(0).is("pcmu")).isTrue();
    }

    @Test
    void editsKeepOtherLinesAndOrder() {
        SessionDescription sdp = SessionDescription.parse(TestResources.text("/sdp/sipp-offer.sdp"));
        sdp.setOrigin(sdp.origin().withAddress("203.0.113.1"));
        sdp.setConnection(Connection.of("203.0.113.1"));
        MediaDescription audio = sdp.audio();
        audio.setPort(30000);
        audio.setDirection(Direction.SENDONLY);
        audio.retainPayloadTypes(List.of(8, 101));
        String out = sdp.toString();
        assertThat(out).isEqualTo("v=0\r\no=user1 53655765 2353687637 IN IP4 203.0.113.1\r\ns=-\r\n"
                + "c=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
                + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendonly\r\n");
        assertThat(SessionDescription.parse(out).directionOf(SessionDescription.parse(out).audio()))
                .isEqualTo(Direction.SENDONLY);
    }

    @Test
    void directionDefaultsAndSessionLevelFallback() {
        SessionDescription sdp = SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
                + "a=inactive\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4002 RTP/AVP 0\r\n"
                + "c=IN IP4 1.2.3.4\r\na=recvonly\r\n");
        assertThat(sdp.directionOf(sdp.media().get(0))).isEqualTo(Direction.INACTIVE);
        assertThat(sdp.directionOf(sdp.media().get(1))).isEqualTo(Direction.RECVONLY);
        assertThat(Direction.SENDONLY.reverse()).isEqualTo(Direction.RECVONLY);
        // media-level c= is used in preference to the (absent) session one
        assertThat(sdp.connectionFor(sdp.media().get(1)).host()).isEqualTo("1.2.3.4");
    }

    @Test
    void rejectsMalformedInputWithClearErrors() {
        assertThatThrownBy(() -> SessionDescription.parse("")).isInstanceOf(SdpParseException.class);
        assertThatThrownBy(() -> SessionDescription.parse("o=- 1 1 IN IP4 1.2.3.4\r\n"))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("v=");
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\ngarbage\r\n"))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\ns=-\r\n"))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("o=");
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\no=- 1 1 IN IP4\r\n"))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("o=");
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n"))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n"))
                .isInstanceOf(SdpParseException.class);
        assertThatThrownBy(() -> Candidate.parse("1 1 udp notanumber 1.2.3.4 5 typ host"))
                .isInstanceOf(SdpParseException.class);
        assertThatThrownBy(() -> Rtpmap.parse("abc PCMU/8000")).isInstanceOf(SdpParseException.class);
        assertThatThrownBy(() -> SessionDescription.parse("v=0\r\n" + "a=x\r\n".repeat(20000)))
                .isInstanceOf(SdpParseException.class).hasMessageContaining("too large");
    }
}
