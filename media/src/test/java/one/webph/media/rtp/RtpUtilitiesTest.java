package one.webph.media.rtp;

import static one.webph.media.TestResources.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RtpUtilitiesTest {
    @Test
    void demultiplexesByFirstByte() {
        assertThat(PacketKind.classify(new byte[] {0x00, 0x01}, 0, 2)).isEqualTo(PacketKind.STUN);
        assertThat(PacketKind.classify(new byte[] {22, (byte) 0xfe}, 0, 2)).isEqualTo(PacketKind.DTLS);
        assertThat(PacketKind.classify(new byte[] {(byte) 0x80, 0}, 0, 2)).isEqualTo(PacketKind.RTP);
        assertThat(PacketKind.classify(new byte[] {(byte) 0x80, (byte) 111}, 0, 2)).isEqualTo(PacketKind.RTP);
        assertThat(PacketKind.classify(new byte[] {(byte) 0x81, (byte) 200}, 0, 2)).isEqualTo(PacketKind.RTCP);
        assertThat(PacketKind.classify(new byte[] {(byte) 0x81, (byte) 201}, 0, 2)).isEqualTo(PacketKind.RTCP);
        assertThat(PacketKind.classify(new byte[] {(byte) 0xff}, 0, 1)).isEqualTo(PacketKind.UNKNOWN);
        assertThat(PacketKind.classify(new byte[0], 0, 0)).isEqualTo(PacketKind.UNKNOWN);
    }

    @Test
    void readsRtpHeaderFields() {
        byte[] p = hex("80e0 1234 00000a00 deadbeef 0102");
        assertThat(RtpHeader.isValid(p, 0, p.length)).isTrue();
        assertThat(RtpHeader.payloadType(p, 0)).isEqualTo(96);
        assertThat(RtpHeader.marker(p, 0)).isTrue();
        assertThat(RtpHeader.sequenceNumber(p, 0)).isEqualTo(0x1234);
        assertThat(RtpHeader.timestamp(p, 0)).isEqualTo(0xa00);
        assertThat(RtpHeader.ssrc(p, 0)).isEqualTo(0xdeadbeefL);
        byte[] withExtension = hex("9000 0001 00000000 00000001 bede0001 10ff0000 aa");
        assertThat(RtpHeader.headerLength(withExtension, 0, withExtension.length)).isEqualTo(20);
        byte[] truncatedExtension = hex("9000 0001 00000000 00000001 bede00ff");
        assertThat(RtpHeader.isValid(truncatedExtension, 0, truncatedExtension.length)).isFalse();
    }

    @Test
    void extractsReceiverReportBlocksFromCompoundRtcp() {
        // SR with one block, then an SDES: fraction 0x40, cumulative lost -3 (24-bit), jitter 0x20
        byte[] compound = hex("""
                81c8000c 11111111 00000000 00000000 00000000 00000000 00000000
                22222222 40fffffd 00010010 00000020 00000000 00000000
                81ca0002 11111111 00000000""");
        List<RtcpReportBlock> blocks = RtcpParser.reportBlocks(compound, 0, compound.length);
        assertThat(blocks).hasSize(1);
        RtcpReportBlock b = blocks.get(0);
        assertThat(b.reporterSsrc()).isEqualTo(0x11111111L);
        assertThat(b.sourceSsrc()).isEqualTo(0x22222222L);
        assertThat(b.fractionLost()).isEqualTo(0x40);
        assertThat(b.fractionLostRatio()).isEqualTo(0.25);
        assertThat(b.cumulativeLost()).isEqualTo(-3);
        assertThat(b.highestSequence()).isEqualTo(0x10010);
        assertThat(b.jitter()).isEqualTo(0x20);
        byte[] rr = hex("81c90007 01020304 0a0b0c0d 05000010 0000ffff 00000020 00000000 00000000");
        assertThat(RtcpParser.reportBlocks(rr, 0, rr.length)).singleElement()
                .satisfies(x -> assertThat(x.cumulativeLost()).isEqualTo(16));
        // length field pointing beyond the datagram: nothing, no exception
        byte[] broken = hex("81c900ff 01020304");
        assertThat(RtcpParser.reportBlocks(broken, 0, broken.length)).isEmpty();
    }

    @Test
    void portPoolNeverHandsOutTheSamePortTwiceAndCountsUsage() {
        PortPool pool = new PortPool(30000, 30009);
        Set<Integer> seen = new HashSet<>();
        List<Integer> pairs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int p = pool.reserve(true);
            assertThat(p % 2).isZero();
            assertThat(seen.add(p)).isTrue();
            assertThat(seen.add(p + 1)).isTrue();
            pairs.add(p);
        }
        assertThat(pool.inUse()).isEqualTo(10);
        assertThat(pool.reserve(true)).isEqualTo(-1);
        assertThat(pool.reserve(false)).isEqualTo(-1);
        pool.release(pairs.get(2));
        assertThat(pool.reserve(true)).as("odd half still used").isEqualTo(-1);
        assertThat(pool.reserve(false)).isEqualTo(pairs.get(2));
        for (int p : pairs) {
            pool.release(p);
            pool.release(p + 1);
        }
        pool.release(pairs.get(0)); // double release is harmless
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void portPoolRotatesSoFreedPortsAreNotReusedAtOnce() {
        PortPool pool = new PortPool(30000, 30099);
        int first = pool.reserve(true);
        pool.release(first);
        pool.release(first + 1);
        assertThat(pool.reserve(true)).isNotEqualTo(first);
        assertThatThrownBy(() -> new PortPool(100, 200)).isInstanceOf(IllegalArgumentException.class);
    }
}
