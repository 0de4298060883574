package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.virtwire.vhostuser.protocol.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Frames written by hand from the spec's layouts (header: u32 request, u32 flags, u32 size; little-endian),
 * decoded and re-encoded. If the codec and these bytes disagree, the codec is wrong.
 */
class MessageCodecGoldenTest {

    private static final long ALL = Frames.ALL_FEATURES;

    static Stream<Arguments> requests() {
        return Stream.of(
                golden("GET_FEATURES", "01000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.GET_FEATURES)),
                golden("SET_FEATURES VERSION_1|PROTOCOL_FEATURES", "02000000 01000000 08000000 00000040 01000000", 0,
                        new U64(FrontendRequest.SET_FEATURES, 0x1_4000_0000L)),
                golden("SET_OWNER", "03000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.SET_OWNER)),
                golden("SET_MEM_TABLE one region, 1 GiB at gpa 0", """
                        05000000 01000000 28000000
                        01000000 00000000
                        0000000000000000 0000004000000000 0000000000 7f0000 0000000000000000""", 1,
                        new MemoryTable(List.of(new MemoryRegionDesc(0, 0x4000_0000L, 0x7f00_0000_0000L, 0)))),
                golden("SET_LOG_BASE", "06000000 01000000 10000000 0010000000000000 0000000000000000", 1,
                        new LogBase(0x1000, 0)),
                golden("SET_LOG_FD", "07000000 01000000 00000000", 1,
                        new Empty(FrontendRequest.SET_LOG_FD)),
                golden("SET_VRING_NUM 1 -> 256", "08000000 01000000 08000000 01000000 00010000", 0,
                        new VringState(FrontendRequest.SET_VRING_NUM, 1, 256)),
                golden("SET_VRING_ADDR", """
                        09000000 01000000 28000000
                        00000000 01000000
                        0010000000 7f0000 0030000000 7f0000 0020000000 7f0000 0000100000000000""", 0,
                        new VringAddr(0, VringAddr.F_LOG, 0x7f00_0000_1000L, 0x7f00_0000_3000L, 0x7f00_0000_2000L, 0x10_0000L)),
                golden("SET_VRING_BASE", "0a000000 01000000 08000000 01000000 05000000", 0,
                        new VringState(FrontendRequest.SET_VRING_BASE, 1, 5)),
                golden("GET_VRING_BASE", "0b000000 01000000 08000000 01000000 00000000", 0,
                        new VringState(FrontendRequest.GET_VRING_BASE, 1, 0)),
                golden("SET_VRING_KICK with fd", "0c000000 01000000 08000000 0100000000000000", 1,
                        new VringFile(FrontendRequest.SET_VRING_KICK, 1, false)),
                golden("SET_VRING_CALL with NOFD", "0d000000 01000000 08000000 0101000000000000", 0,
                        new VringFile(FrontendRequest.SET_VRING_CALL, 1, true)),
                golden("SET_VRING_ERR", "0e000000 01000000 08000000 0000000000000000", 1,
                        new VringFile(FrontendRequest.SET_VRING_ERR, 0, false)),
                golden("GET_PROTOCOL_FEATURES", "0f000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.GET_PROTOCOL_FEATURES)),
                golden("SET_PROTOCOL_FEATURES MQ|REPLY_ACK|CONFIG", "10000000 01000000 08000000 0902000000000000", 0,
                        new U64(FrontendRequest.SET_PROTOCOL_FEATURES, 0x209)),
                golden("GET_QUEUE_NUM", "11000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.GET_QUEUE_NUM)),
                golden("SEND_RARP 52:54:00:12:34:56", "13000000 01000000 08000000 525400123456 0000", 0,
                        new SendRarp(0x5254_0012_3456L)),
                golden("NET_SET_MTU 1500", "14000000 01000000 08000000 dc05000000000000", 0,
                        new NetMtu(1500)),
                golden("SET_BACKEND_REQ_FD", "15000000 01000000 00000000", 1,
                        new Empty(FrontendRequest.SET_BACKEND_REQ_FD)),
                golden("IOTLB_MSG update", """
                        16000000 01000000 20000000
                        0010000000000000 0020000000000000 0000000000 7f0000 03 02 000000000000""", 0,
                        new IotlbMsg(0x1000, 0x2000, 0x7f00_0000_0000L, IotlbMsg.Permission.READ_WRITE, IotlbMsg.Type.UPDATE)),
                golden("GET_CONFIG 4 bytes at 0", "18000000 01000000 10000000 00000000 04000000 00000000 00000000", 0,
                        new ConfigSpace(FrontendRequest.GET_CONFIG, 0, 0, new byte[4])),
                golden("SET_CONFIG mac, live migration", "19000000 01000000 12000000 00000000 06000000 01000000 525400abcdef", 0,
                        new ConfigSpace(FrontendRequest.SET_CONFIG, 0, 1, hex("525400abcdef"))),
                golden("GET_INFLIGHT_FD", "1f000000 01000000 18000000 0000000000000000 0000000000000000 0200 0001 00000000", 0,
                        new InflightDesc(FrontendRequest.GET_INFLIGHT_FD, 0, 0, 2, 256)),
                golden("SET_INFLIGHT_FD", "20000000 01000000 18000000 0030000000000000 0000000000000000 0200 0001 00000000", 1,
                        new InflightDesc(FrontendRequest.SET_INFLIGHT_FD, 0x3000, 0, 2, 256)),
                golden("RESET_DEVICE", "22000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.RESET_DEVICE)),
                golden("GET_MAX_MEM_SLOTS", "24000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.GET_MAX_MEM_SLOTS)),
                golden("ADD_MEM_REG", """
                        25000000 01000000 28000000
                        0000000000000000
                        0000000010000000 0000000010000000 0000000010 7f0000 0000000000000000""", 1,
                        new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG,
                                new MemoryRegionDesc(0x10_0000_0000L, 0x10_0000_0000L, 0x7f10_0000_0000L, 0))),
                golden("REM_MEM_REG", """
                        26000000 01000000 28000000
                        0000000000000000
                        0000000010000000 0000000010000000 0000000010 7f0000 0000000000000000""", 0,
                        new SingleMemoryRegion(FrontendRequest.REM_MEM_REG,
                                new MemoryRegionDesc(0x10_0000_0000L, 0x10_0000_0000L, 0x7f10_0000_0000L, 0))),
                golden("SET_STATUS ACK|DRIVER|DRIVER_OK|FEATURES_OK", "27000000 01000000 08000000 0f00000000000000", 0,
                        new DeviceStatus(0x0f)),
                golden("GET_STATUS", "28000000 01000000 00000000", 0,
                        new Empty(FrontendRequest.GET_STATUS))
        );
    }

    private static Arguments golden(String name, String frameHex, int fds, FrontendMessage expected) {
        return Arguments.of(name, hex(frameHex), fds, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void decodesTheGoldenFrame(String name, byte[] frame, int fds, FrontendMessage expected) throws ProtocolException {
        assertEquals(expected, Frames.decodeFrame(frame, fds, ALL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void encodesToTheGoldenFrame(String name, byte[] frame, int fds, FrontendMessage expected) {
        assertArrayEquals(frame, MessageCodec.encode(expected));
    }

    @Test
    void needReplySetsFlagBit3() throws ProtocolException {
        byte[] frame = hex("12000000 09000000 08000000 01000000 01000000");
        VringState enable = new VringState(FrontendRequest.SET_VRING_ENABLE, 1, 1);
        assertEquals(enable, Frames.decodeFrame(frame, 0, ALL));
        assertArrayEquals(frame, MessageCodec.encode(enable, true));
        assertEquals(true, Frames.header(frame).needsReply());
    }

    @Test
    void replyU64() {
        assertArrayEquals(hex("01000000 05000000 08000000 00000040 01000000"),
                MessageCodec.encodeReplyU64(FrontendRequest.GET_FEATURES, 0x1_4000_0000L));
    }

    @Test
    void replyVringState() {
        assertArrayEquals(hex("0b000000 05000000 08000000 01000000 2a000000"), MessageCodec.encodeReplyVringState(1, 42));
    }

    @Test
    void replyAckOkIsZeroAndFailureNonZero() {
        assertArrayEquals(hex("05000000 05000000 08000000 0000000000000000"),
                MessageCodec.encodeAck(FrontendRequest.SET_MEM_TABLE, true));
        assertArrayEquals(hex("05000000 05000000 08000000 0100000000000000"),
                MessageCodec.encodeAck(FrontendRequest.SET_MEM_TABLE, false));
    }

    @Test
    void replyConfigAndItsFailure() {
        assertArrayEquals(hex("18000000 05000000 10000000 00000000 04000000 00000000 01020304"),
                MessageCodec.encodeReplyConfig(new ConfigSpace(FrontendRequest.GET_CONFIG, 0, 0, hex("01020304"))));
        assertArrayEquals(hex("18000000 05000000 00000000"), MessageCodec.encodeReplyConfigFailure());
    }

    @Test
    void replyInflight() {
        assertArrayEquals(hex("1f000000 05000000 18000000 0010000000000000 0000000000000000 0200 0001 00000000"),
                MessageCodec.encodeReplyInflight(InflightDesc.reply(0x1000, 0, 2, 256)));
    }
}
