package one.webph.sip.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import one.webph.sip.message.AuthHeader;
import one.webph.sip.message.Contact;
import one.webph.sip.message.GenericUri;
import one.webph.sip.message.NameAddress;
import one.webph.sip.message.SipMessage;
import one.webph.sip.message.SipRequest;
import one.webph.sip.message.SipResponse;
import one.webph.sip.message.SipUri;
import one.webph.sip.message.Via;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 4475 torture tests: valid messages parse with the right values, invalid ones fail cleanly. */
class Rfc4475Test {

    private static SipMessage parse(String name) {
        return SipMessageParser.parseDatagram(TortureMessages.load(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "semiuri",
        "transports", "mpart01", "unreason", "noreason"})
    void validMessagesRoundTripByteForByte(String name) {
        byte[] original = TortureMessages.load("valid/" + name);
        SipMessage m = SipMessageParser.parseDatagram(original);
        assertThat(m.body()).hasSize(m.contentLengthHeader());
        // Nothing was modified, so serialisation must reproduce the datagram exactly.
        assertThat(new String(m.encode(), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(original, StandardCharsets.ISO_8859_1));
        // And the stream decoder must frame it identically, split at every possible point.
        assertStreamDecodes(original, m);
    }

    private static void assertStreamDecodes(byte[] data, SipMessage expected) {
        for (int split = 1; split < data.length; split += Math.max(1, data.length / 37)) {
            List<SipMessage> got = new ArrayList<>();
            SipStreamDecoder d = new SipStreamDecoder(65536, got::add);
            d.feed(data, 0, split);
            d.feed(data, split, data.length - split);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).encode()).isEqualTo(expected.encode());
            assertThat(d.buffered()).isZero();
        }
    }

    @Test
    void wsinv() {
        SipRequest r = (SipRequest) parse("valid/wsinv");
        assertThat(r.method()).isEqualTo("INVITE");
        SipUri ruri = (SipUri) r.requestUri();
        assertThat(ruri.user()).isEqualTo("vivekg");
        assertThat(ruri.host()).isEqualTo("chair-dnrc.example.com");
        assertThat(ruri.hasParam("unknownparam")).isTrue();
        assertThat(r.to().displayName()).isNull();
        assertThat(r.to().uri().toString()).isEqualTo("sip:vivekg@chair-dnrc.example.com");
        assertThat(r.toTag()).isEqualTo("1918181833n");
        assertThat(r.from().displayName()).isEqualTo("J Rosenberg \\\"");
        assertThat(r.fromTag()).isEqualTo("98asjd8");
        assertThat(r.maxForwards()).isEqualTo(68);
        assertThat(r.callId()).isEqualTo("wsinv.ndaksdj@192.0.2.1");
        assertThat(r.contentLengthHeader()).isEqualTo(150);
        assertThat(r.cseq().number()).isEqualTo(9);
        assertThat(r.cseq().method()).isEqualTo("INVITE");
        List<Via> vias = r.vias();
        assertThat(vias).hasSize(3);
        assertThat(vias.get(0).transport()).isEqualTo("UDP");
        assertThat(vias.get(0).host()).isEqualTo("192.0.2.2");
        assertThat(vias.get(0).port()).isEqualTo(-1);
        assertThat(vias.get(0).branch()).isEqualTo("390skdjuw");
        assertThat(vias.get(0).hasRfc3261Branch()).isFalse();
        assertThat(vias.get(1).transport()).isEqualTo("TCP");
        assertThat(vias.get(1).host()).isEqualTo("spindle.example.com");
        assertThat(vias.get(1).branch()).isEqualTo("z9hG4bK9ikj8");
        assertThat(vias.get(2).host()).isEqualTo("192.168.255.111");
        assertThat(vias.get(2).branch()).isEqualTo("z9hG4bK30239");
        assertThat(r.header("Subject")).isEmpty();
        assertThat(r.header("newfangledheader")).isEqualTo("newfangled value continued newfangled value");
        assertThat(r.header("UnknownHeaderWithUnusualValue")).isEqualTo(";;,,;;,;");
        assertThat(r.contentType()).isEqualTo("application/sdp");
        assertThat(r.routes()).hasSize(1);
        assertThat(r.routes().get(0).sipUri().isLooseRouting()).isTrue();
        assertThat(r.routes().get(0).sipUri().param("unknownwith")).isEqualTo("value");
        Contact c = r.contacts().get(0);
        assertThat(r.contacts()).hasSize(1);
        assertThat(c.address().displayName()).isEqualTo("Quoted string \"\"");
        assertThat(c.uri().toString()).isEqualTo("sip:jdrosen@example.com");
        assertThat(c.params().get("newparam")).isEqualTo("newvalue");
        assertThat(c.params().has("secondparam")).isTrue();
        assertThat(c.q()).isEqualTo(0.33);
        assertThat(r.body()).hasSize(150);
    }

    @Test
    void intmeth() {
        SipRequest r = (SipRequest) parse("valid/intmeth");
        assertThat(r.method()).isEqualTo("!interesting-Method0123456789_*+`.%indeed'~");
        SipUri ruri = (SipUri) r.requestUri();
        assertThat(ruri.user()).isEqualTo("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
        assertThat(ruri.password()).isEqualTo("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
        assertThat(ruri.host()).isEqualTo("example.com");
        assertThat(r.topVia().branch()).isEqualTo("z9hG4bK-.!%66*_+`'~");
        assertThat(r.to().displayName()).isEqualTo("BEL:\u0007 NUL:\u0000 DEL:\u007f");
        assertThat(r.from().displayName()).isEqualTo("token1~` token2'+_ token3*%!.-");
        assertThat(r.from().param("fromParam''~+*_!.-%")).isEqualTo("работающий");
        assertThat(r.fromTag()).isEqualTo("_token~1'+`*%!-.");
        assertThat(r.callId()).isEqualTo("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
        assertThat(r.cseq().number()).isEqualTo(139122385);
        assertThat(r.cseq().method()).isEqualTo(r.method());
        assertThat(r.maxForwards()).isEqualTo(255);
        assertThat(r.header("extensionHeader-!.%*+_`'~")).isEqualTo("\uFEFF大停電");
    }

    @Test
    void escapes() {
        SipRequest r = (SipRequest) parse("valid/esc01");
        SipUri ruri = (SipUri) r.requestUri();
        assertThat(ruri.userDecoded()).isEqualTo("sips:user@example.com");
        assertThat(ruri.host()).isEqualTo("example.net");
        assertThat(((SipUri) r.to().uri()).userDecoded()).isEqualTo("user");
        assertThat(((SipUri) r.from().uri()).userDecoded()).isEqualTo("I have spaces");
        assertThat(r.callId()).isEqualTo("esc01.239409asdfakjkn23onasd0-3234");
        SipUri contact = (SipUri) r.contacts().get(0).uri();
        assertThat(contact.userDecoded()).isEqualTo("caller");
        assertThat(contact.param("n%61me")).isEqualTo("v%61lue%25%34%31");

        SipRequest n = (SipRequest) parse("valid/escnull");
        assertThat(((SipUri) n.to().uri()).userDecoded()).isEqualTo("null-\u0000-null");
        assertThat(n.contacts()).hasSize(2);
        assertThat(((SipUri) n.contacts().get(1).uri()).userDecoded()).isEqualTo("\u0000\u0000");

        SipRequest e = (SipRequest) parse("valid/esc02");
        assertThat(e.method()).isEqualTo("RE%47IST%45R");
        assertThat(e.to().displayName()).isEqualTo("%Z%45");
        assertThat(e.topVia().branch()).isEqualTo("z9hG4bK209%fzsnel234");
        assertThat(e.contacts()).hasSize(2);
        assertThat(e.header("C%6Fntact")).isEqualTo("<sip:alias2@host2.example.com>");
    }

    @Test
    void otherValidMessages() {
        SipRequest lws = (SipRequest) parse("valid/lwsdisp");
        assertThat(lws.from().displayName()).isEqualTo("caller");
        assertThat(lws.fromTag()).isEqualTo("323");

        SipRequest longreq = (SipRequest) parse("valid/longreq");
        assertThat(longreq.to().displayName()).contains("extremeextreme");
        assertThat(((SipUri) longreq.to().uri()).port()).isEqualTo(6000);
        assertThat(longreq.vias()).hasSize(34);
        assertThat(longreq.topVia().host()).isEqualTo("sip33.example.com");
        assertThat(longreq.vias().get(33).received()).isEqualTo("192.0.2.5");
        assertThat(longreq.vias().get(33).branch()).startsWith("verylonglong").endsWith("branchvalue");
        assertThat(longreq.fromTag()).hasSize(2 + 150 + 3);

        SipRequest dbl = (SipRequest) parse("valid/dblreq");
        assertThat(dbl.method()).isEqualTo("REGISTER");
        assertThat(dbl.body()).isEmpty();
        assertThat(dbl.contacts()).hasSize(1);

        SipRequest semi = (SipRequest) parse("valid/semiuri");
        SipUri ruri = (SipUri) semi.requestUri();
        assertThat(ruri.user()).isEqualTo("user;par=u%40example.net");
        assertThat(ruri.host()).isEqualTo("example.com");
        assertThat(ruri.params().isEmpty()).isTrue();
        assertThat(semi.headerValues("Accept")).hasSize(6);

        SipRequest tr = (SipRequest) parse("valid/transports");
        assertThat(tr.vias()).extracting(Via::transport).containsExactly("UDP", "SCTP", "TLS", "UNKNOWN", "TCP");

        SipRequest mp = (SipRequest) parse("valid/mpart01");
        assertThat(mp.contentType()).startsWith("multipart/mixed");
        assertThat(mp.body()).hasSize(mp.contentLengthHeader());
        assertThat(mp.body()).contains((byte) 0);

        SipResponse un = (SipResponse) parse("valid/unreason");
        assertThat(un.status()).isEqualTo(200);
        assertThat(un.reason()).isEqualTo("= 2**3 * 5**2 но сто девяносто девять - простое");
        assertThat(un.body()).hasSize(154);

        SipResponse nr = (SipResponse) parse("valid/noreason");
        assertThat(nr.status()).isEqualTo(100);
        assertThat(nr.reason()).isEmpty();
    }

    static Stream<Arguments> invalidMessages() {
        // name, can a 400 still be built (a request with Via/From/To/Call-ID/CSeq present), suggested status
        return Stream.of(
                Arguments.of("badinv01", true, 400), Arguments.of("clerr", true, 400), Arguments.of("ncl", true, 400),
                Arguments.of("scalar02", true, 400), Arguments.of("scalarlg", false, 400),
                Arguments.of("quotbal", true, 400), Arguments.of("ltgtruri", true, 400),
                Arguments.of("lwsruri", true, 400), Arguments.of("lwsstart", true, 400), Arguments.of("trws", true, 400),
                Arguments.of("escruri", true, 400), Arguments.of("baddate", true, 400),
                Arguments.of("regbadct", true, 400), Arguments.of("badaspec", true, 400),
                Arguments.of("baddn", true, 400), Arguments.of("badvers", true, 505),
                Arguments.of("mismatch01", true, 400), Arguments.of("mismatch02", true, 400),
                Arguments.of("bigcode", false, 400), Arguments.of("insuf", false, 400),
                Arguments.of("multi01", true, 400), Arguments.of("mcl01", true, 400));
    }

    @ParameterizedTest
    @MethodSource("invalidMessages")
    void invalidMessagesAreRejected(String name, boolean canRespond, int status) {
        byte[] data = TortureMessages.load("invalid/" + name);
        SipParseException e = catchThrowableOfType(SipParseException.class, () -> SipMessageParser.parseDatagram(data));
        assertThat(e).as(name).isNotNull();
        assertThat(e.canRespond()).as(name + ": " + e.getMessage()).isEqualTo(canRespond);
        if (canRespond) {
            assertThat(e.suggestedStatus()).isEqualTo(status);
            SipResponse resp = SipResponse.forParseError(e);
            assertThat(resp.status()).isEqualTo(status);
            // The error response copies the request's key headers verbatim (they may be the broken part).
            String wire = new String(resp.encode(), StandardCharsets.UTF_8);
            assertThat(wire).startsWith("SIP/2.0 " + status + " ");
            assertThat(wire).contains("Call-ID: " + e.errorResponseHeaders().callId() + "\r\n");
            assertThat(wire).contains("CSeq: " + e.errorResponseHeaders().cseq() + "\r\n");
        }
        // Over a stream the same bytes either frame and are reported invalid, wait for more data, or fail framing.
        List<SipParseException> invalid = new ArrayList<>();
        List<SipMessage> ok = new ArrayList<>();
        SipStreamDecoder d = new SipStreamDecoder(65536, new SipStreamDecoder.Listener() {
            @Override
            public void onMessage(SipMessage message) {
                ok.add(message);
            }

            @Override
            public void onInvalidMessage(SipParseException ex) {
                invalid.add(ex);
            }
        });
        try {
            d.feed(data);
        } catch (SipParseException framing) {
            assertThat(framing.getMessage()).isNotEmpty();
        }
        assertThat(ok).as(name).isEmpty();
    }

    @Test
    void semanticallyOddButSyntacticallyValidMessagesParse() {
        SipRequest unkscm = (SipRequest) parse("semantic-valid/unkscm");
        assertThat(unkscm.requestUri()).isInstanceOf(GenericUri.class);
        assertThat(unkscm.requestUri().scheme()).isEqualTo("nobodyknowsthisscheme");
        SipRequest novelsc = (SipRequest) parse("semantic-valid/novelsc");
        assertThat(novelsc.requestUri().scheme()).isEqualTo("soap.beep");
        SipRequest unksm2 = (SipRequest) parse("semantic-valid/unksm2");
        assertThat(unksm2.to().uri().scheme()).isEqualTo("isbn");
        assertThat(unksm2.from().uri().scheme()).isEqualTo("http");
        assertThat(unksm2.contacts().get(0).uri().scheme()).isEqualTo("name");
        SipRequest bext = (SipRequest) parse("semantic-valid/bext01");
        assertThat(bext.headerValues("Require")).containsExactly("nothingSupportsThis", "nothingSupportsThisEither");
        SipRequest invut = (SipRequest) parse("semantic-valid/invut");
        assertThat(invut.contentType()).isEqualTo("application/unknownformat");
        assertThat(invut.body()).hasSize(40);
        SipRequest regaut = (SipRequest) parse("semantic-valid/regaut01");
        AuthHeader auth = regaut.authorizations().get(0);
        assertThat(auth.scheme()).isEqualTo("NoOneKnowsThisScheme");
        assertThat(auth.param("opaque-data")).isEqualTo("here");
        SipResponse bcast = (SipResponse) parse("semantic-valid/bcast");
        assertThat(bcast.vias().get(1).host()).isEqualTo("255.255.255.255");
        assertThat(parse("semantic-valid/zeromf").maxForwards()).isZero();
        Contact c1 = parse("semantic-valid/cparam01").contacts().get(0);
        assertThat(((SipUri) c1.uri()).params().isEmpty()).isTrue();
        assertThat(c1.params().has("unknownparam")).isTrue();
        Contact c2 = parse("semantic-valid/cparam02").contacts().get(0);
        assertThat(((SipUri) c2.uri()).hasParam("unknownparam")).isTrue();
        assertThat(c2.params().isEmpty()).isTrue();
        SipUri esc = (SipUri) parse("semantic-valid/regescrt").contacts().get(0).uri();
        assertThat(esc.headers()).isEqualTo("Route=%3Csip:sip.example.com%3E");
        SipRequest sdp01 = (SipRequest) parse("semantic-valid/sdp01");
        assertThat(sdp01.header("Accept")).isEqualTo("text/nobodyKnowsThis");
        SipRequest badbranch = (SipRequest) parse("semantic-valid/badbranch");
        assertThat(badbranch.topVia().branch()).isEqualTo("z9hG4bK");
        SipRequest inv2543 = (SipRequest) parse("semantic-valid/inv2543");
        assertThat(inv2543.topVia().branch()).isNull();
        assertThat(inv2543.maxForwards()).isEqualTo(-1);
        NameAddress rr = inv2543.recordRoutes().get(0);
        assertThat(rr.sipUri().param("maddr")).isEqualTo("ss1.example.com");
        assertThat(inv2543.body()).isNotEmpty();
    }

    @Test
    void lowercaseStandardMethodIsRejectedButUnknownMethodIsFine() {
        String tmpl = "%s sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:b@example.com>;tag=1\r\n"
                + "To: <sip:a@example.com>\r\nCall-ID: x\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n";
        assertThatThrownBy(() -> SipMessageParser.parse(String.format(tmpl, "invite", "invite")))
                .isInstanceOf(SipParseException.class);
        assertThat(((SipRequest) SipMessageParser.parse(String.format(tmpl, "FOO", "FOO"))).method()).isEqualTo("FOO");
    }
}
