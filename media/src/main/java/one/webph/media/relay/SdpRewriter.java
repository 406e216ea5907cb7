package one.webph.media.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import one.webph.media.sdp.Candidate;
import one.webph.media.sdp.Connection;
import one.webph.media.sdp.MediaDescription;
import one.webph.media.sdp.Rtpmap;
import one.webph.media.sdp.SdpParseException;
import one.webph.media.sdp.SessionDescription;

/**
 * Turns the SDP received from one side into the SDP sent to the other side, so that media flows through the leg
 * {@code out} of the relay. Only the first audio section is relayed; other sections are rejected with port 0.
 */
final class SdpRewriter {
    /** Attributes describing the sender's transport, which never apply to the relay's side. */
    private static final Set<String> TRANSPORT_ATTRIBUTES = Set.of("candidate", "end-of-candidates", "ice-ufrag",
            "ice-pwd", "ice-options", "ice-lite", "ice-mismatch", "remote-candidates", "rtcp", "crypto");
    /** WebRTC-only attributes dropped towards plain phones (RFC 3264 lets them ignore these, but some choke). */
    private static final Set<String> WEBRTC_ATTRIBUTES = Set.of("fingerprint", "setup", "rtcp-mux", "rtcp-mux-only",
            "rtcp-rsize", "extmap", "extmap-allow-mixed", "rtcp-fb", "ssrc", "ssrc-group", "msid", "mid", "group",
            "msid-semantic", "tls-id", "identity");
    /** Static payload types a plain phone can be expected to handle (RFC 3551): PCMU, GSM, PCMA, G722, CN, G729. */
    private static final Set<Integer> PLAIN_STATIC_TYPES = Set.of(0, 3, 8, 9, 13, 18);

    private SdpRewriter() {
    }

    /**
     * @param input       the SDP from the side opposite to {@code out}
     * @param inputType   kind of endpoint that wrote {@code input}
     * @param out         the leg whose peer receives the result
     * @param isOffer     whether the result is an offer (setup:actpass, codec filtering towards phones)
     * @param passthrough browser-browser: keep the sender's DTLS fingerprint/setup, SRTP is not touched
     * @param ourFingerprint the relay's certificate fingerprint (used when DTLS is terminated on {@code out})
     */
    static String rewrite(SessionDescription input, LegType inputType, MediaLeg out, boolean isOffer,
                          boolean passthrough, String ourFingerprint) {
        return rewrite(input, inputType, out, isOffer, passthrough, ourFingerprint, List.of());
    }

    /** As above; an offer carries only the {@code codecs} its recipient accepts (see {@link CodecFilter}). */
    static String rewrite(SessionDescription input, LegType inputType, MediaLeg out, boolean isOffer,
                          boolean passthrough, String ourFingerprint, List<String> codecs) {
        SessionDescription sdp = input.copy();
        MediaDescription audio = sdp.audio();
        if (audio == null) {
            throw new SdpParseException("SDP has no audio section");
        }
        String address = out.advertisedAddress();
        sdp.setOrigin(sdp.origin().withAddress(address));
        // Session-level transport attributes are re-created per media section below.
        String sessionFingerprint = sdp.attribute("fingerprint");
        String sessionSetup = sdp.attribute("setup");
        sdp.removeLines(l -> l.type() == 'a' && (TRANSPORT_ATTRIBUTES.contains(l.attributeName())
                || l.attributeName().equals("fingerprint") || l.attributeName().equals("setup")));
        if (sdp.firstLine('c') != null) {
            sdp.setConnection(Connection.of(address));
        }
        if (out.type() == LegType.PLAIN) {
            sdp.removeLines(l -> l.type() == 'a' && WEBRTC_ATTRIBUTES.contains(l.attributeName()));
        }

        for (MediaDescription m : sdp.media()) {
            if (m != audio) {
                // RFC 3264 section 6: reject by port 0, keep the section so the answer lines up with the offer.
                m.setPort(0);
                m.removeLines(l -> l.type() == 'a' && !l.attributeName().equals("mid"));
                continue;
            }
            String fingerprint = m.attribute("fingerprint") != null ? m.attribute("fingerprint") : sessionFingerprint;
            String setup = m.setup() != null ? m.setup() : sessionSetup;
            m.removeLines(l -> l.type() == 'a' && (TRANSPORT_ATTRIBUTES.contains(l.attributeName())
                    || l.attributeName().equals("fingerprint") || l.attributeName().equals("setup")));
            m.setPort(out.rtpPort());
            m.setConnection(Connection.of(address));
            if (isOffer) {
                CodecFilter.retain(m, codecs);
            }
            if (out.type() == LegType.PLAIN) {
                m.setProto("RTP/AVP");
                m.removeLines(l -> l.type() == 'a' && WEBRTC_ATTRIBUTES.contains(l.attributeName()));
                if (isOffer && inputType == LegType.BROWSER) {
                    keepPhoneCodecs(m);
                }
                m.addAttribute("rtcp", String.valueOf(out.rtcpPort()));
            } else {
                m.setProto("UDP/TLS/RTP/SAVPF");
                if (m.mid() == null) {
                    m.addAttribute("mid", "0");
                }
                m.addAttribute("ice-ufrag", out.ice().localUfrag());
                m.addAttribute("ice-pwd", out.ice().localPwd());
                if (passthrough) {
                    if (fingerprint == null) {
                        throw new SdpParseException("browser SDP without a=fingerprint");
                    }
                    m.addAttribute("fingerprint", fingerprint);
                    m.addAttribute("setup", setup == null ? "actpass" : setup);
                } else {
                    m.addAttribute("fingerprint", ourFingerprint);
                    m.addAttribute("setup", isOffer ? "actpass" : out.dtlsRole().setupAttribute());
                }
                if (!m.rtcpMux()) {
                    m.addAttribute("rtcp-mux", null);
                }
                m.addAttribute("rtcp", out.rtpPort() + " IN " + Connection.of(address).addrType() + " " + address);
                m.addAttribute("candidate", new Candidate("1", 1, "udp", Candidate.hostPriority(1), address,
                        out.rtpPort(), "host", null, null, List.of()).toString());
                m.addAttribute("end-of-candidates", null);
            }
        }
        if (out.type() == LegType.BROWSER) {
            sdp.setAttribute("ice-lite", null);
            sdp.removeAttributes("group");
            if (isOffer || out.peerBundles) {
                // RFC 9143: only the audio section is bundled (the others are rejected). A browser that offered
                // BUNDLE (the app uses max-bundle) refuses an answer without the group ("Answer cannot remove m=
                // section with mid='0' from already-established BUNDLE group"), and a phone's SDP has none.
                sdp.addAttribute("group", "BUNDLE " + audio.mid());
            }
        }
        return sdp.toString();
    }

    /** Keeps only codecs a plain phone can take, plus telephone-event/8000 (DTMF); fails when none is left. */
    private static void keepPhoneCodecs(MediaDescription m) {
        List<Integer> keep = new ArrayList<>();
        for (int pt : m.payloadTypes()) {
            Rtpmap map = m.rtpmap(pt);
            if (PLAIN_STATIC_TYPES.contains(pt) && (map == null || map.clockRate() == 8000)) {
                keep.add(pt);
            } else if (map != null && map.is("telephone-event") && map.clockRate() == 8000) {
                keep.add(pt);
            }
        }
        if (keep.stream().noneMatch(PLAIN_STATIC_TYPES::contains)) {
            throw new SdpParseException("no codec in common with a plain RTP phone (need PCMU or PCMA)");
        }
        m.retainPayloadTypes(keep);
    }

    static boolean isBrowserSdp(SessionDescription sdp) {
        MediaDescription audio = sdp.audio();
        return audio != null && audio.isDtlsSrtp() && sdp.attributeFor(audio, "ice-ufrag") != null;
    }

}
