package one.webph.sip.parser;

import com.code_intelligence.jazzer.junit.FuzzTest;
import one.webph.sip.message.SipMessage;

/**
 * Jazzer fuzz tests: arbitrary bytes may only ever produce a message or a {@link SipParseException}.
 * Under plain {@code mvn test} Jazzer runs in regression mode over the seeds in
 * {@code src/test/resources/one/webph/sip/parser/SipParserFuzzTestInputs/<method>/}; set
 * {@code JAZZER_FUZZ=1} to fuzz for real.
 */
class SipParserFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void datagram(byte[] data) {
        try {
            SipMessage m = SipMessageParser.parseDatagram(data);
            // A parsed message must serialise and every typed accessor must work on it.
            byte[] again = m.encode();
            SipMessageParser.parseDatagram(again);
            m.contacts();
            m.routes();
            m.recordRoutes();
            m.authorizations();
        } catch (SipParseException expected) {
            // the only allowed failure
        }
    }

    @FuzzTest(maxDuration = "60s")
    void stream(byte[] data) {
        SipStreamDecoder decoder = new SipStreamDecoder(8192, SipMessage::encode);
        try {
            // Feed in uneven chunks to exercise partial reads.
            int pos = 0;
            int chunk = 1;
            while (pos < data.length) {
                int n = Math.min(chunk, data.length - pos);
                decoder.feed(data, pos, n);
                pos += n;
                chunk = chunk * 3 % 97 + 1;
            }
        } catch (SipParseException expected) {
            // framing failure: connection would be closed
        }
    }
}
