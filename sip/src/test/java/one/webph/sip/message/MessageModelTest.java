package one.webph.sip.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import one.webph.sip.parser.SipMessageParser;
import one.webph.sip.parser.SipParseException;
import org.junit.jupiter.api.Test;

class MessageModelTest {
    static final String REGISTER = "REGISTER sip:webph.one SIP/2.0\r\n"
            + "v: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport\r\n"
            + "Via:  SIP/2.0/TCP  10.0.0.1:5070 ;branch=z9hG4bKa , SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\n"
            + "Max-Forwards: 69\r\n"
            + "To: <sip:alice@webph.one>\r\n"
            + "f: \"Alice\" <sip:alice@webph.one>;tag=abc\r\n"
            + "i: 3c26700857e4@df7jal23ls0d.invalid\r\n"
            + "CSeq: 2 REGISTER\r\n"
            + "m: <sip:x7@df7jal23ls0d.invalid;transport=ws;ob>;+sip.instance=\"<urn:uuid:0f3c8f9e>\";reg-id=1;expires=600\r\n"
            + "Authorization: Digest username=\"alice\", realm=\"webph.one\", nonce=\"n1\", uri=\"sip:webph.one\", "
            + "response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"c\"\r\n"
            + "Supported: path,gruu, outbound\r\n"
            + "X-Custom:   keep   this   spacing  \r\n"
            + "Content-Length: 0\r\n\r\n";

    @Test
    void typedAccessorsAndCompactForms() {
        SipRequest r = (SipRequest) SipMessageParser.parse(REGISTER);
        assertThat(r.vias()).hasSize(3);
        assertThat(r.topVia().transport()).isEqualTo("WSS");
        assertThat(r.topVia().hasRport()).isTrue();
        assertThat(r.topVia().rport()).isEqualTo(-1);
        assertThat(r.vias().get(1).port()).isEqualTo(5070);
        assertThat(r.from().displayName()).isEqualTo("Alice");
        assertThat(r.callId()).isEqualTo("3c26700857e4@df7jal23ls0d.invalid");
        Contact c = r.contacts().get(0);
        assertThat(c.instanceId()).isEqualTo("<urn:uuid:0f3c8f9e>");
        assertThat(c.regId()).isEqualTo(1);
        assertThat(c.expires()).isEqualTo(600);
        SipUri cu = (SipUri) c.uri();
        assertThat(cu.transportParam()).isEqualTo("ws");
        assertThat(cu.hasParam("ob")).isTrue();
        AuthHeader a = r.authorizations().get(0);
        assertThat(a.isDigest()).isTrue();
        assertThat(a.param("username")).isEqualTo("alice");
        assertThat(a.param("nc")).isEqualTo("00000001");
        assertThat(r.headerValues("k")).containsExactly("path", "gruu", "outbound");
        assertThat(r.header("x-custom")).isEqualTo("keep   this   spacing");
    }

    @Test
    void stampingReceivedAndRportTouchesOnlyTheTopViaLine() {
        SipRequest r = (SipRequest) SipMessageParser.parse(REGISTER);
        r.setTopVia(r.topVia().withReceived("203.0.113.7").withRport(53211));
        String out = new String(r.encode(), StandardCharsets.UTF_8);
        String expected = REGISTER.replace("v: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport\r\n",
                "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport=53211;received=203.0.113.7\r\n");
        assertThat(out).isEqualTo(expected);
    }

    @Test
    void pushAndPopViaKeepOtherLines() {
        SipRequest r = (SipRequest) SipMessageParser.parse(REGISTER);
        r.pushVia(Via.of("UDP", "198.51.100.1", 5060, "z9hG4bKnew", true));
        String out = new String(r.encode(), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo(REGISTER.replace("REGISTER sip:webph.one SIP/2.0\r\n",
                "REGISTER sip:webph.one SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKnew;rport\r\n"));
        assertThat(r.popVia().branch()).isEqualTo("z9hG4bKnew");
        assertThat(new String(r.encode(), StandardCharsets.UTF_8)).isEqualTo(REGISTER);
        // Popping from a line with several values rewrites only that line.
        r.popVia();
        r.popVia();
        assertThat(r.topVia().host()).isEqualTo("10.0.0.2");
        assertThat(new String(r.encode(), StandardCharsets.UTF_8)).contains("Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKb\r\n")
                .contains("X-Custom:   keep   this   spacing  \r\n");
    }

    @Test
    void bodyUpdatesContentLength() {
        SipRequest r = (SipRequest) SipMessageParser.parse(REGISTER);
        r.setBody("v=0\r\n".getBytes(StandardCharsets.UTF_8), "application/sdp");
        SipMessage back = SipMessageParser.parse(r.toString());
        assertThat(back.contentLengthHeader()).isEqualTo(5);
        assertThat(back.bodyAsString()).isEqualTo("v=0\r\n");
        assertThat(back.contentType()).isEqualTo("application/sdp");
    }

    @Test
    void responsesCopyKeyHeadersAndToTag() {
        SipRequest r = (SipRequest) SipMessageParser.parse(REGISTER);
        SipResponse resp = r.createResponse(200);
        resp.setToTag("srv1");
        resp.addHeader("Contact", r.contacts().get(0).withExpires(300).toString());
        SipResponse back = (SipResponse) SipMessageParser.parse(resp.toString());
        assertThat(back.status()).isEqualTo(200);
        assertThat(back.reason()).isEqualTo("OK");
        assertThat(back.vias()).hasSize(3);
        assertThat(back.toTag()).isEqualTo("srv1");
        assertThat(back.cseq()).isEqualTo(new CSeq(2, "REGISTER"));
        assertThat(back.contacts().get(0).expires()).isEqualTo(300);
        assertThat(back.contacts().get(0).instanceId()).isEqualTo("<urn:uuid:0f3c8f9e>");
    }

    @Test
    void cancelAndAckFollowRfc3261() {
        String invite = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n"
                + "Via: SIP/2.0/UDP b.example.com;branch=z9hG4bK0\r\nRoute: <sip:p1.example.com;lr>\r\n"
                + "From: <sip:alice@example.com>;tag=f\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\n"
                + "CSeq: 7 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        SipRequest inv = (SipRequest) SipMessageParser.parse(invite);
        SipRequest cancel = inv.createCancel();
        assertThat(cancel.method()).isEqualTo("CANCEL");
        assertThat(cancel.vias()).hasSize(1);
        assertThat(cancel.topVia().branch()).isEqualTo("z9hG4bK1");
        assertThat(cancel.cseq()).isEqualTo(new CSeq(7, "CANCEL"));
        assertThat(cancel.routes()).hasSize(1);
        SipResponse busy = inv.createResponse(486);
        busy.setToTag("t9");
        SipRequest ack = inv.createNon2xxAck(busy);
        assertThat(ack.cseq()).isEqualTo(new CSeq(7, "ACK"));
        assertThat(ack.toTag()).isEqualTo("t9");
        assertThat(ack.requestUri()).isEqualTo(inv.requestUri());
        SipMessageParser.parse(ack.toString());
    }

    @Test
    void uris() {
        SipUri u = SipUri.parse("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?Subject=hi&Priority=urgent");
        assertThat(u.isSecure()).isTrue();
        assertThat(u.user()).isEqualTo("alice");
        assertThat(u.password()).isEqualTo("secret");
        assertThat(u.host()).isEqualTo("[2001:db8::1]");
        assertThat(u.port()).isEqualTo(5061);
        assertThat(u.isLooseRouting()).isTrue();
        assertThat(u.headers()).isEqualTo("Subject=hi&Priority=urgent");
        assertThat(u.toString()).isEqualTo("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?Subject=hi&Priority=urgent");
        assertThat(SipUri.of("a b", "example.com", -1).toString()).isEqualTo("sip:a%20b@example.com");
        assertThat(SipUri.parse("sip:%61lice@EXAMPLE.com;Transport=UDP")
                .equivalentTo(SipUri.parse("sip:alice@example.com;transport=udp"))).isTrue();
        assertThat(SipUri.parse("sip:alice@example.com")
                .equivalentTo(SipUri.parse("sip:alice@example.com:5060"))).isFalse();
        assertThat(SipUri.parse("sip:example.com;maddr=10.0.0.1").host()).isEqualTo("example.com");
        TelUri tel = (TelUri) Uri.parse("tel:+1-201-555-0123;phone-context=example.com");
        assertThat(tel.digits()).isEqualTo("+12015550123");
        assertThat(tel.params().get("phone-context")).isEqualTo("example.com");
        for (String bad : new String[] {"sip:", "sip:@host", "sip:a@", "sip:a@host:99999", "sip:a@ho st", "sip:a@[::1",
            "sip:a@host;=x", "sip:a%2@host", "sip:a@host?x"}) {
            assertThatThrownBy(() -> SipUri.parse(bad)).as(bad).isInstanceOf(SipParseException.class);
        }
    }

    @Test
    void nameAddressFormsAndContactWildcard() {
        NameAddress n = NameAddress.parse("sip:bob@example.com;tag=1");
        assertThat(n.tag()).isEqualTo("1");
        assertThat(n.uri().toString()).isEqualTo("sip:bob@example.com");
        NameAddress q = NameAddress.of("Bob \"B\"", SipUri.parse("sip:bob@example.com")).withTag("x");
        assertThat(q.toString()).isEqualTo("\"Bob \\\"B\\\"\" <sip:bob@example.com>;tag=x");
        assertThat(NameAddress.parse(q.toString()).displayName()).isEqualTo("Bob \"B\"");
        assertThat(Contact.parseList(" * ")).containsExactly(Contact.WILDCARD);
        assertThat(Contact.parseList("<sip:a@h>;expires=99999999999, <sip:b@h>;q=0.5"))
                .extracting(Contact::expires).containsExactly(Contact.MAX_DELTA_SECONDS, -1L);
        assertThatThrownBy(() -> Contact.parseList("<sip:a@h>;q=2")).isInstanceOf(SipParseException.class);
    }

    @Test
    void datagramWithoutContentLengthTakesRestAsBody() {
        String msg = "MESSAGE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:b@example.com>;tag=1\r\n"
                + "To: <sip:a@example.com>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n\r\nhello";
        SipMessage m = SipMessageParser.parse(msg);
        assertThat(m.bodyAsString()).isEqualTo("hello");
        assertThat(new String(m.encode(), StandardCharsets.UTF_8)).contains("Content-Length: 5\r\n");
        // Bare LF line ends are tolerated.
        SipMessage lf = SipMessageParser.parse(msg.replace("\r\n", "\n"));
        assertThat(lf.callId()).isEqualTo("x");
    }

    @Test
    void aCompactedMessageKeepsItsWireFormAndReadsAndChangesAsBefore() {
        String invite = "INVITE sip:bob@webph.one;transport=udp SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport\r\n"
                + "From: <sip:alice@webph.one>;tag=a\r\nTo: <sip:bob@webph.one>\r\nCall-ID: c1\r\n"
                + "CSeq: 1 INVITE\r\nX-Folded: one\r\n two\r\nContent-Type: application/sdp\r\n"
                + "Content-Length: 4\r\n\r\nv=0\n";
        SipRequest r = (SipRequest) SipMessageParser.parse(invite);
        byte[] wire = r.encode();
        assertThat(r.encode()).as("kept until it changes").isSameAs(wire);
        r.compact();
        assertThat(r.isCompacted()).isTrue();
        assertThat(r.encode()).isSameAs(wire);
        assertThat(r.method()).isSameAs(SipMethod.INVITE);
        // read: parsed back, same values
        assertThat(r.requestUri().toString()).isEqualTo("sip:bob@webph.one;transport=udp");
        assertThat(r.isCompacted()).isFalse();
        assertThat(r.callId()).isEqualTo("c1");
        assertThat(r.header("X-Folded")).isEqualTo("one two");
        assertThat(r.bodyAsString()).isEqualTo("v=0\n");
        assertThat(r.encode()).isEqualTo(wire);
        // changed after compaction: the change shows in the wire form
        r.compact();
        r.addHeader("X-Added", "1");
        assertThat(new String(r.encode(), StandardCharsets.UTF_8)).contains("X-Added: 1\r\n").contains("Call-ID: c1");
        r.compact();
        r.setRequestUri(SipUri.parse("sip:carol@webph.one"));
        assertThat(r.startLine()).isEqualTo("INVITE sip:carol@webph.one SIP/2.0");
        // a copy of a compacted message is independent
        r.compact();
        SipRequest copy = r.copy();
        copy.setHeader("Call-ID", "c2");
        assertThat(r.callId()).isEqualTo("c1");
        assertThat(copy.callId()).isEqualTo("c2");

        SipResponse ok = r.createResponse(200);
        byte[] okWire = ok.encode();
        ok.compact();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.isFinal()).isTrue();
        assertThat(ok.encode()).isSameAs(okWire);
        assertThat(ok.topVia().branch()).isEqualTo("z9hG4bK1");
        ok.setToTag("t");
        assertThat(ok.toTag()).isEqualTo("t");
        assertThat(new String(ok.encode(), StandardCharsets.UTF_8)).startsWith("SIP/2.0 200 OK\r\n").contains(";tag=t");
    }

    @Test
    void encodingFixesContentLengthAndKeepsNonAsciiText() {
        String text = "MESSAGE sip:bob@webph.one SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK2\r\n"
                + "From: \"Jos\u00e9 \u6771\u4eac\" <sip:jose@webph.one>;tag=a\r\nTo: <sip:bob@webph.one>\r\n"
                + "Call-ID: c2\r\nCSeq: 1 MESSAGE\r\nl: 5\r\n\r\nhi \u00e9";
        SipMessage m = SipMessageParser.parse(text);
        assertThat(m.from().displayName()).isEqualTo("Jos\u00e9 \u6771\u4eac");
        assertThat(new String(m.encode(), StandardCharsets.UTF_8)).isEqualTo(text);
        // a body changed without its header: Content-Length is fixed on the way out (compact form kept)
        m.setRawBody("hey!!!".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(m.encode(), StandardCharsets.UTF_8)).isEqualTo(
                text.replace("l: 5\r\n\r\nhi \u00e9", "l: 6\r\n\r\nhey!!!"));
        SipMessage ascii = SipMessageParser.parse("OPTIONS sip:webph.one SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\n"
                + "From: <sip:a@webph.one>;tag=1\r\nTo: <sip:webph.one>\r\nCall-ID: c3\r\nCSeq: 1 OPTIONS\r\n\r\n");
        ascii.addHeader("Accept", "application/sdp");
        assertThat(new String(ascii.encode(), StandardCharsets.UTF_8)).isEqualTo("OPTIONS sip:webph.one SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP h;branch=z9hG4bK3\r\nFrom: <sip:a@webph.one>;tag=1\r\nTo: <sip:webph.one>\r\n"
                + "Call-ID: c3\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n");
    }
}
