package one.webph.media.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.SdpParseException;
import one.webph.media.sdp.SessionDescription;
import org.junit.jupiter.api.Test;

class CodecFilterTest {
  private static final String OFFER = String.join("\r\n",
      "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
      "m=audio 4000 RTP/AVP 9 0 3 8 101",
      "a=rtpmap:9 G722/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendrecv", "") ;

  private static MediaDescription audio(String sdp) {
    return SessionDescription.parse(sdp).audio();
  }

  @Test
  void keepsOnlyAllowedCodecsInTheOfferersOrderPlusTelephoneEvent() {
    SessionDescription sdp = SessionDescription.parse(OFFER);
    // the peer lists PCMA first, the caller prefers PCMU: the caller's order stays
    CodecFilter.retain(sdp.audio(), List.of("pcma", " PCMU"));
    assertThat(sdp.audio().payloadTypes()).containsExactly(0, 8, 101);
    String text = sdp.toString();
    assertThat(text).contains("m=audio 4000 RTP/AVP 0 8 101").contains("a=rtpmap:101 telephone-event/8000")
        .contains("a=fmtp:101 0-16").doesNotContain("G722").doesNotContain("a=rtpmap:3");
  }

  @Test
  void staticPayloadTypeWithoutRtpmapIsKnownByItsNumber() {
    // GSM (3) has no a=rtpmap line in the offer: RFC 3551 names it
    MediaDescription m = audio(OFFER);
    CodecFilter.retain(m, List.of("GSM"));
    assertThat(m.payloadTypes()).containsExactly(3, 101);
  }

  @Test
  void emptyListAcceptsAnything() {
    MediaDescription m = audio(OFFER);
    CodecFilter.retain(m, List.of());
    assertThat(m.payloadTypes()).containsExactly(9, 0, 3, 8, 101);
  }

  @Test
  void nothingAcceptedLeftFailsNamingTheAcceptedCodecs() {
    MediaDescription m = audio(OFFER);
    // telephone-event alone is no audio codec
    assertThatThrownBy(() -> CodecFilter.retain(m, List.of("G729", "AMR")))
        .isInstanceOf(SdpParseException.class).hasMessageContaining("G729, AMR");
    assertThat(m.payloadTypes()).as("left untouched").containsExactly(9, 0, 3, 8, 101);
  }
}
