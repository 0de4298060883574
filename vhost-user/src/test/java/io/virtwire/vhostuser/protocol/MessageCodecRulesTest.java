package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.virtwire.vhostuser.protocol.Frames.ALL_FEATURES;
import static io.virtwire.vhostuser.protocol.Frames.hex;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per rule of {@link MessageCodec#decode}: each feeds a frame that breaks exactly that rule. */
class MessageCodecRulesTest {

    private static ProtocolException reject(MessageHeader header, byte[] payload, int fds, long negotiated) {
        return assertThrows(ProtocolException.class, () -> MessageCodec.decode(header, payload, fds, negotiated));
    }

    private static ProtocolException reject(byte[] frame, int fds) {
        return reject(Frames.header(frame), Frames.payload(frame), fds, ALL_FEATURES);
    }

    private static void assertRejected(String message, byte[] frame, int fds) {
        assertEquals(message, reject(frame, fds).getMessage());
    }

    /** A request frame with the given payload, header size consistent with it. */
    private static byte[] frame(FrontendRequest request, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(MessageHeader.SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(request.code()).putInt(MessageHeader.VERSION).putInt(payload.length).put(payload);
        return b.array();
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] u64(long v) {
        return le(8).putLong(v).array();
    }

    private static byte[] vringState(long index, long num) {
        return le(8).putInt((int) index).putInt((int) num).array();
    }

    private static byte[] vringAddr(int index, int flags, long desc, long used, long avail) {
        return le(40).putInt(index).putInt(flags).putLong(desc).putLong(used).putLong(avail).putLong(0).array();
    }

    private static byte[] memTable(int declared, long[]... regions) {
        ByteBuffer b = le(8 + 32 * regions.length).putInt(declared).putInt(0);
        for (long[] r : regions) {
            for (long v : r) {
                b.putLong(v);
            }
        }
        return b.array();
    }

    private static byte[] singleRegion(long gpa, long size, long uaddr, long mmapOffset) {
        return le(40).putLong(0).putLong(gpa).putLong(size).putLong(uaddr).putLong(mmapOffset).array();
    }

    private static byte[] iotlb(long iova, long size, long uaddr, int perm, int type) {
        return le(32).putLong(iova).putLong(size).putLong(uaddr).put((byte) perm).put((byte) type).array();
    }

    private static byte[] config(long offset, long size, long flags, int contentBytes) {
        return le(12 + contentBytes).putInt((int) offset).putInt((int) size).putInt((int) flags).array();
    }

    private static byte[] inflight(long mmapSize, long mmapOffset, int numQueues, int queueSize) {
        return le(24).putLong(mmapSize).putLong(mmapOffset).putShort((short) numQueues).putShort((short) queueSize).array();
    }

    @Nested
    class Header {

        @ParameterizedTest
        @ValueSource(longs = {0, 44, 99, 0xFFFF_FFFFL})
        void unknownRequestCodeIsNamedByNumber(long code) {
            ProtocolException e = reject(new MessageHeader(code, MessageHeader.VERSION, 0), new byte[0], 0, ALL_FEATURES);
            assertEquals("unknown request code " + code, e.getMessage());
            assertTrue(e.request().isEmpty());
            assertEquals(code, e.requestCode());
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 2, 3})
        void versionMustBeOne(int version) {
            ProtocolException e = reject(new MessageHeader(1, version, 0), new byte[0], 0, ALL_FEATURES);
            assertEquals("GET_FEATURES: header version is " + version + ", expected 1 (flags 0x" + version + ")", e.getMessage());
            assertEquals(FrontendRequest.GET_FEATURES, e.request().orElseThrow());
        }

        @Test
        void replyFlagOnARequestIsRejected() {
            assertRejected("GET_FEATURES: REPLY flag (0x4) set on a front-end request", hex("01000000 05000000 00000000"), 0);
        }

        @Test
        void reservedFlagBitsAreRejected() {
            assertRejected("GET_FEATURES: flags 0x11 have reserved bits 0x10 set", hex("01000000 11000000 00000000"), 0);
        }

        @Test
        void needReplyIsAllowed() {
            assertDoesNotThrow(() -> Frames.decodeFrame(hex("01000000 09000000 00000000"), 0, 0));
        }

        @Test
        void payloadArrayMustMatchHeaderSize() {
            ProtocolException e = reject(new MessageHeader(2, 1, 8), new byte[7], 0, 0);
            assertEquals("SET_FEATURES: payload holds 7 bytes, header says 8", e.getMessage());
        }

        @Test
        void checkHeaderRefusesOversizedPayloadBeforeItIsRead() {
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> MessageCodec.checkHeader(new MessageHeader(5, 1, 0xFFFF_FFFFL), 0));
            assertEquals("SET_MEM_TABLE: payload is 4294967295 bytes, expected 40..264", e.getMessage());
            assertTrue(MessageCodec.MAX_PAYLOAD_SIZE >= 12 + WireLimits.MAX_CONFIG_SIZE);
        }
    }

    @Nested
    class Features {

        @ParameterizedTest
        @EnumSource(value = FrontendRequest.class, names = {"GET_QUEUE_NUM", "NET_SET_MTU", "SEND_RARP", "GET_INFLIGHT_FD",
                "SET_INFLIGHT_FD", "ADD_MEM_REG", "REM_MEM_REG", "GET_MAX_MEM_SLOTS", "SET_STATUS", "GET_STATUS",
                "SET_LOG_BASE", "SET_BACKEND_REQ_FD", "GET_CONFIG", "SET_CONFIG", "RESET_DEVICE"})
        void gatedRequestNeedsItsNegotiatedFeature(FrontendRequest request) {
            ProtocolFeature feature = request.requiredProtocolFeature().orElseThrow();
            MessageHeader header = new MessageHeader(request.code(), 1, request.payload().minSize());
            ProtocolException e = reject(header, new byte[request.payload().minSize()], 0, ALL_FEATURES & ~feature.mask());
            assertEquals(request.name() + ": requires protocol feature " + feature + ", not negotiated", e.getMessage());
            assertDoesNotThrow(() -> MessageCodec.checkHeader(header, feature.mask()));
        }

        @Test
        void getQueueNumWithoutMq() {
            ProtocolException e = reject(new MessageHeader(17, 1, 0), new byte[0], 0, 0);
            assertEquals("GET_QUEUE_NUM: requires protocol feature MQ, not negotiated", e.getMessage());
        }

        @ParameterizedTest
        @EnumSource(value = FrontendRequest.class, names = {"GET_FEATURES", "SET_FEATURES", "GET_PROTOCOL_FEATURES",
                "SET_PROTOCOL_FEATURES", "SET_OWNER"})
        void negotiationRequestsNeedNothingNegotiated(FrontendRequest request) {
            MessageHeader header = new MessageHeader(request.code(), 1, request.payload().minSize());
            assertDoesNotThrow(() -> MessageCodec.decode(header, new byte[request.payload().minSize()], 0, 0));
        }

        @ParameterizedTest
        @EnumSource(value = FrontendRequest.class, names = {"SET_VRING_ENDIAN", "CREATE_CRYPTO_SESSION", "CLOSE_CRYPTO_SESSION",
                "POSTCOPY_ADVISE", "POSTCOPY_LISTEN", "POSTCOPY_END", "GPU_SET_SOCKET", "VRING_KICK", "GET_SHARED_OBJECT",
                "SET_DEVICE_STATE_FD", "CHECK_DEVICE_STATE"})
        void unsupportedRequestsAreNamedAndRejected(FrontendRequest request) {
            ProtocolException e = reject(new MessageHeader(request.code(), 1, 0), new byte[0], 0, ALL_FEATURES);
            assertEquals(request.name() + ": not supported by this back-end", e.getMessage());
        }

        @Test
        void xenMmapRegionLayoutIsRefused() {
            long withXen = ALL_FEATURES | ProtocolFeature.XEN_MMAP.mask();
            byte[] frame = frame(FrontendRequest.ADD_MEM_REG, singleRegion(0, 0x1000, 0x1000, 0));
            ProtocolException e = reject(Frames.header(frame), Frames.payload(frame), 1, withXen);
            assertEquals("ADD_MEM_REG: protocol feature XEN_MMAP changes the region layout; not supported", e.getMessage());
        }
    }

    @Nested
    class Sizes {

        @ParameterizedTest(name = "{0} with {1} bytes")
        @CsvSource({
                "GET_FEATURES, 8, 0", "SET_OWNER, 4, 0", "SET_FEATURES, 4, 8", "SET_FEATURES, 16, 8",
                "SET_VRING_NUM, 16, 8", "SET_VRING_ADDR, 24, 40", "SET_VRING_ADDR, 48, 40", "SET_VRING_KICK, 4, 8",
                "SET_LOG_BASE, 8, 16", "IOTLB_MSG, 26, 32", "GET_INFLIGHT_FD, 20, 24", "ADD_MEM_REG, 32, 40",
                "SET_STATUS, 1, 8", "NET_SET_MTU, 2, 8"
        })
        void fixedSizePayloadMustHaveItsExactSize(FrontendRequest request, int size, int expected) {
            ProtocolException e = reject(new MessageHeader(request.code(), 1, size), new byte[size], 0, ALL_FEATURES);
            assertEquals(request.name() + ": payload is " + size + " bytes, expected " + expected, e.getMessage());
        }

        @Test
        void setVringAddrWithAShortPayload() {
            assertRejected("SET_VRING_ADDR: payload is 24 bytes, expected 40",
                    frame(FrontendRequest.SET_VRING_ADDR, new byte[24]), 0);
        }

        @Test
        void memTableSizeMustMatchItsDeclaredRegionCount() {
            byte[] payload = memTable(3, new long[]{0, 0x1000, 0x1000, 0}, new long[]{0x1000, 0x1000, 0x2000, 0});
            assertRejected("SET_MEM_TABLE: payload is 72 bytes, expected 104 for 3 regions",
                    frame(FrontendRequest.SET_MEM_TABLE, payload), 3);
        }

        @ParameterizedTest
        @ValueSource(longs = {0, 9, 0xFFFF_FFFFL})
        void memTableRegionCountIsOneToEight(long declared) {
            byte[] payload = memTable((int) declared, new long[]{0, 0x1000, 0x1000, 0});
            assertRejected("SET_MEM_TABLE: num regions is " + declared + ", expected 1..8",
                    frame(FrontendRequest.SET_MEM_TABLE, payload), 1);
        }

        @Test
        void memTableAboveEightRegionsIsRefusedByTheHeaderAlone() {
            assertRejected("SET_MEM_TABLE: payload is 296 bytes, expected 40..264",
                    frame(FrontendRequest.SET_MEM_TABLE, new byte[8 + 9 * 32]), 9);
        }

        @Test
        void configSizeFieldMustMatchThePayload() {
            assertRejected("GET_CONFIG: payload is 16 bytes, expected 12 + size 8",
                    frame(FrontendRequest.GET_CONFIG, config(0, 8, 0, 4)), 0);
        }

        @Test
        void configWithoutContentsIsTooShort() {
            assertRejected("SET_CONFIG: payload is 12 bytes, expected 13..268",
                    frame(FrontendRequest.SET_CONFIG, config(0, 0, 0, 0)), 0);
        }
    }

    @Nested
    class Fds {

        @Test
        void noFdsOnARequestThatTakesNone() {
            assertRejected("GET_FEATURES: 1 fd attached, expected none", hex("01000000 01000000 00000000"), 1);
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 2})
        void exactlyOneFdForSetBackendReqFd(int fds) {
            assertRejected("SET_BACKEND_REQ_FD: " + fds + " fds attached, expected exactly 1",
                    frame(FrontendRequest.SET_BACKEND_REQ_FD, new byte[0]), fds);
        }

        @Test
        void kickWithNofdMustHaveNoFd() {
            assertRejected("SET_VRING_KICK: 1 fd attached but the NOFD flag (0x100) is set",
                    frame(FrontendRequest.SET_VRING_KICK, u64(0x100)), 1);
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 2})
        void callWithoutNofdNeedsExactlyOneFd(int fds) {
            assertRejected("SET_VRING_CALL: " + fds + " fds attached and the NOFD flag (0x100) is clear, expected exactly 1",
                    frame(FrontendRequest.SET_VRING_CALL, u64(0)), fds);
        }

        @Test
        void memTableNeedsOneFdPerRegion() {
            byte[] payload = memTable(2, new long[]{0, 0x1000, 0x1000, 0}, new long[]{0x1000, 0x1000, 0x2000, 0});
            assertRejected("SET_MEM_TABLE: 3 fds for 2 regions", frame(FrontendRequest.SET_MEM_TABLE, payload), 3);
            assertRejected("SET_MEM_TABLE: 1 fd for 2 regions", frame(FrontendRequest.SET_MEM_TABLE, payload), 1);
        }

        @Test
        void remMemRegTakesAtMostOneFd() {
            byte[] frame = frame(FrontendRequest.REM_MEM_REG, singleRegion(0, 0x1000, 0x1000, 0));
            assertDoesNotThrow(() -> Frames.decodeFrame(frame, 0, ALL_FEATURES));
            assertDoesNotThrow(() -> Frames.decodeFrame(frame, 1, ALL_FEATURES));
            assertRejected("REM_MEM_REG: 2 fds attached, expected at most 1", frame, 2);
        }

        @Test
        void addMemRegNeedsItsFd() {
            assertRejected("ADD_MEM_REG: 0 fds attached, expected exactly 1",
                    frame(FrontendRequest.ADD_MEM_REG, singleRegion(0, 0x1000, 0x1000, 0)), 0);
        }
    }

    @Nested
    class Vrings {

        @Test
        void indexIsReadAtFullWidth() {
            // CVE-2020-10723: an index truncated before the check passes it
            assertRejected("SET_VRING_NUM: vring index 4294967295 is not below 256",
                    frame(FrontendRequest.SET_VRING_NUM, vringState(0xFFFF_FFFFL, 256)), 0);
            assertRejected("SET_VRING_ADDR: vring index 256 is not below 256",
                    frame(FrontendRequest.SET_VRING_ADDR, vringAddr(256, 0, 0, 0, 0)), 0);
        }

        @Test
        void indexMustBeBelowTheDevicesQueueCount() {
            byte[] f = frame(FrontendRequest.SET_VRING_BASE, vringState(2, 0));
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> MessageCodec.decode(Frames.header(f), Frames.payload(f), 0, 0, 2));
            assertEquals("SET_VRING_BASE: vring index 2 is not below the device's 2 queues", e.getMessage());
            byte[] kick = frame(FrontendRequest.SET_VRING_KICK, u64(5));
            e = assertThrows(ProtocolException.class,
                    () -> MessageCodec.decode(Frames.header(kick), Frames.payload(kick), 1, 0, 2));
            assertEquals("SET_VRING_KICK: vring index 5 is not below the device's 2 queues", e.getMessage());
        }

        @ParameterizedTest
        @ValueSource(longs = {0, 32769, 0xFFFF_FFFFL})
        void ringSizeIsOneTo32768(long num) {
            assertRejected("SET_VRING_NUM: ring size " + num + " is outside 1..32768",
                    frame(FrontendRequest.SET_VRING_NUM, vringState(0, num)), 0);
        }

        @Test
        void ringSizeBoundsAreInclusive() {
            assertDoesNotThrow(() -> Frames.decodeFrame(frame(FrontendRequest.SET_VRING_NUM, vringState(0, 1)), 0, 0));
            assertDoesNotThrow(() -> Frames.decodeFrame(frame(FrontendRequest.SET_VRING_NUM, vringState(0, 32768)), 0, 0));
        }

        @Test
        void getVringBaseReservedNumIsIgnoredBecauseDpdkVirtioUserSetsIt() throws ProtocolException {
            VringState s = (VringState) Frames.decodeFrame(frame(FrontendRequest.GET_VRING_BASE, vringState(0, 21958)), 0, 0);
            assertEquals(0, s.index());
        }

        @Test
        void vringEnableIsZeroOrOne() {
            assertRejected("SET_VRING_ENABLE: enable value 2 is neither 0 nor 1",
                    frame(FrontendRequest.SET_VRING_ENABLE, vringState(0, 2)), 0);
        }

        @Test
        void vringBaseAcceptsAllThirtyTwoBitsForPackedRings() throws ProtocolException {
            VringState s = (VringState) Frames.decodeFrame(frame(FrontendRequest.SET_VRING_BASE, vringState(0, 0xFFFF_FFFFL)), 0, 0);
            assertEquals(0xFFFF_FFFFL, s.num());
        }

        @ParameterizedTest(name = "desc={0} used={1} avail={2}")
        @CsvSource({
                "0x1008, 0x2000, 0x3000, 'descriptor table address 0x1008 is not 16-byte aligned'",
                "0x1000, 0x2002, 0x3000, 'used ring address 0x2002 is not 4-byte aligned'",
                "0x1000, 0x2000, 0x3001, 'available ring address 0x3001 is not 2-byte aligned'"
        })
        void ringAddressesAreAligned(String desc, String used, String avail, String rule) {
            byte[] payload = vringAddr(0, 0, Long.decode(desc), Long.decode(used), Long.decode(avail));
            assertRejected("SET_VRING_ADDR: " + rule, frame(FrontendRequest.SET_VRING_ADDR, payload), 0);
        }

        @Test
        void vringAddrFlagsBeyondLogAreRejected() {
            assertRejected("SET_VRING_ADDR: flags 0x3 has undefined bits 0x2 (only VHOST_VRING_F_LOG 0x1 is defined)",
                    frame(FrontendRequest.SET_VRING_ADDR, vringAddr(0, 3, 0, 0, 0)), 0);
        }

        @Test
        void vringFileBitsAboveNofdAreRejected() {
            assertRejected("SET_VRING_ERR: payload 0x201 has bits 0x200 set; only the index (bits 0-7) and NOFD (bit 8) are defined",
                    frame(FrontendRequest.SET_VRING_ERR, u64(0x201)), 1);
        }
    }

    @Nested
    class Memory {

        @Test
        void regionSizeMustBeNonZero() {
            byte[] payload = memTable(1, new long[]{0x1000, 0, 0x7f00_0000_0000L, 0});
            assertRejected("SET_MEM_TABLE: region 0: memory region at gpa 0x1000 has size 0",
                    frame(FrontendRequest.SET_MEM_TABLE, payload), 1);
        }

        @Test
        void regionGuestRangeMustNotWrap() {
            byte[] payload = memTable(1, new long[]{0xFFFF_FFFF_FFFF_F000L, 0x2000, 0x1000, 0});
            assertRejected("SET_MEM_TABLE: region 0: memory region gpa 0xfffffffffffff000 + size 0x2000 wraps around 2^64",
                    frame(FrontendRequest.SET_MEM_TABLE, payload), 1);
        }

        @Test
        void regionUserRangeMustNotWrap() {
            assertRejected("ADD_MEM_REG: memory region user address 0xffffffffffffff00 + size 0x1000 wraps around 2^64",
                    frame(FrontendRequest.ADD_MEM_REG, singleRegion(0, 0x1000, 0xFFFF_FFFF_FFFF_FF00L, 0)), 1);
        }

        @Test
        void regionMmapRangeMustNotWrapWhenItIsMapped() {
            assertRejected("ADD_MEM_REG: memory region mmap offset 0xfffffffffffff001 + size 0x1000 wraps around 2^64",
                    frame(FrontendRequest.ADD_MEM_REG, singleRegion(0, 0x1000, 0x1000, 0xFFFF_FFFF_FFFF_F001L)), 1);
            byte[] table = memTable(1, new long[]{0, 0x1000, 0x1000, 0xFFFF_FFFF_FFFF_F001L});
            assertRejected("SET_MEM_TABLE: memory region mmap offset 0xfffffffffffff001 + size 0x1000 wraps around 2^64",
                    frame(FrontendRequest.SET_MEM_TABLE, table), 1);
        }

        @Test
        void remMemRegIgnoresTheMmapOffsetAsTheSpecSays() {
            byte[] f = frame(FrontendRequest.REM_MEM_REG, singleRegion(0, 0x1000, 0x1000, 0xFFFF_FFFF_FFFF_F001L));
            assertDoesNotThrow(() -> Frames.decodeFrame(f, 0, ALL_FEATURES));
        }

        @Test
        void regionEndingExactlyAtTopOfAddressSpaceIsAccepted() {
            byte[] f = frame(FrontendRequest.ADD_MEM_REG, singleRegion(-0x1000L, 0x1000, -0x1000L, 0));
            assertDoesNotThrow(() -> Frames.decodeFrame(f, 1, ALL_FEATURES));
        }

        @Test
        void overlappingGuestRangesAreRejected() {
            byte[] payload = memTable(2, new long[]{0, 0x2000, 0x1_0000, 0}, new long[]{0x1000, 0x1000, 0x2_0000, 0});
            assertRejected("SET_MEM_TABLE: region 1 (gpa 0x1000) overlaps region 0 (gpa 0x0)",
                    frame(FrontendRequest.SET_MEM_TABLE, payload), 2);
        }

        @Test
        void adjacentGuestRangesAreFine() {
            byte[] payload = memTable(2, new long[]{0, 0x1000, 0x1_0000, 0}, new long[]{0x1000, 0x1000, 0x2_0000, 0});
            assertDoesNotThrow(() -> Frames.decodeFrame(frame(FrontendRequest.SET_MEM_TABLE, payload), 2, 0));
        }

        @Test
        void logSizeMustBeNonZero() {
            assertRejected("SET_LOG_BASE: log size is 0",
                    frame(FrontendRequest.SET_LOG_BASE, le(16).putLong(0).putLong(0).array()), 1);
        }

        @Test
        void logOffsetPlusSizeMustNotWrap() {
            // CVE-2020-10722
            assertRejected("SET_LOG_BASE: log offset 0xfffffffffffff000 + size 0x2000 wraps around 2^64",
                    frame(FrontendRequest.SET_LOG_BASE, le(16).putLong(0x2000).putLong(0xFFFF_FFFF_FFFF_F000L).array()), 1);
        }
    }

    @Nested
    class Iotlb {

        @ParameterizedTest
        @CsvSource({"1, MISS", "4, ACCESS_FAIL"})
        void backendOnlyTypesAreRejected(int type, String name) {
            assertRejected("IOTLB_MSG: IOTLB message type " + name + " is sent by the back-end, not the front-end",
                    frame(FrontendRequest.IOTLB_MSG, iotlb(0, 0x1000, 0x1000, 3, type)), 0);
        }

        @Test
        void undefinedTypeAndPermissionAreRejected() {
            assertRejected("IOTLB_MSG: IOTLB message type 7 is not 1..4",
                    frame(FrontendRequest.IOTLB_MSG, iotlb(0, 0x1000, 0x1000, 3, 7)), 0);
            assertRejected("IOTLB_MSG: IOTLB permission 4 is not 0..3",
                    frame(FrontendRequest.IOTLB_MSG, iotlb(0, 0x1000, 0x1000, 4, 2)), 0);
        }

        @Test
        void updateNeedsANonEmptyNonWrappingRange() {
            assertRejected("IOTLB_MSG: IOTLB update has size 0", frame(FrontendRequest.IOTLB_MSG, iotlb(0, 0, 0x1000, 3, 2)), 0);
            assertRejected("IOTLB_MSG: IOTLB update iova 0xfffffffffffff000 + size 0x2000 wraps around 2^64",
                    frame(FrontendRequest.IOTLB_MSG, iotlb(-0x1000L, 0x2000, 0x1000, 3, 2)), 0);
        }

        @Test
        void invalidateIgnoresThePermissionAndUserAddressQemuLeavesUninitialised() throws ProtocolException {
            IotlbMsg m = (IotlbMsg) Frames.decodeFrame(frame(FrontendRequest.IOTLB_MSG, iotlb(0x5000, 0x1000, 0xdead, 6, 3)), 0, 0);
            assertEquals(IotlbMsg.Type.INVALIDATE, m.type());
            assertEquals(0x5000, m.iova());
            assertEquals(IotlbMsg.Permission.NONE, m.permission());
        }

        @Test
        void invalidateOfTheWholeSpaceHasSizeZero() throws ProtocolException {
            IotlbMsg m = (IotlbMsg) Frames.decodeFrame(frame(FrontendRequest.IOTLB_MSG, iotlb(0, 0, 0, 0, 3)), 0, 0);
            assertEquals(IotlbMsg.Type.INVALIDATE, m.type());
        }
    }

    @Nested
    class Values {

        @Test
        void configAccessMustStayWithin256Bytes() {
            assertRejected("SET_CONFIG: config access offset 254 + size 4 exceeds the 256-byte config space limit",
                    frame(FrontendRequest.SET_CONFIG, config(254, 4, 0, 4)), 0);
            assertRejected("GET_CONFIG: config access offset 4294967295 + size 1 exceeds the 256-byte config space limit",
                    frame(FrontendRequest.GET_CONFIG, config(0xFFFF_FFFFL, 1, 0, 1)), 0);
        }

        @Test
        void configFlagsAreZeroOrOne() {
            assertRejected("SET_CONFIG: config flags 2 are neither 0 (writable fields) nor 1 (live migration)",
                    frame(FrontendRequest.SET_CONFIG, config(0, 1, 2, 1)), 0);
        }

        @Test
        void inflightQueueCountIsBoundedByTheDevice() {
            byte[] f = frame(FrontendRequest.SET_INFLIGHT_FD, inflight(0x1000, 0, 4, 256));
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> MessageCodec.decode(Frames.header(f), Frames.payload(f), 1, ALL_FEATURES, 2));
            assertEquals("SET_INFLIGHT_FD: num queues 4 exceeds the device's 2 queues", e.getMessage());
        }

        @Test
        void inflightFieldsAreChecked() {
            assertRejected("GET_INFLIGHT_FD: num queues 0 is outside 1..256",
                    frame(FrontendRequest.GET_INFLIGHT_FD, inflight(0, 0, 0, 256)), 0);
            assertRejected("GET_INFLIGHT_FD: queue size 0 is outside 1..32768",
                    frame(FrontendRequest.GET_INFLIGHT_FD, inflight(0, 0, 2, 0)), 0);
            assertRejected("SET_INFLIGHT_FD: inflight mmap size is 0",
                    frame(FrontendRequest.SET_INFLIGHT_FD, inflight(0, 0, 2, 256)), 1);
            assertRejected("SET_INFLIGHT_FD: inflight mmap offset 0xffffffffffffffff + size 0x2 wraps around 2^64",
                    frame(FrontendRequest.SET_INFLIGHT_FD, inflight(2, -1L, 2, 256)), 1);
        }

        @Test
        void statusIsOneByte() {
            assertRejected("SET_STATUS: device status 256 is above 255", frame(FrontendRequest.SET_STATUS, u64(0x100)), 0);
        }

        @ParameterizedTest
        @CsvSource({"67, 'MTU 67 is outside 68..65535'", "65536, 'MTU 65536 is above 65535'",
                "-1, 'MTU 18446744073709551615 is above 65535'"})
        void mtuIsBetween68And65535(long mtu, String rule) {
            assertRejected("NET_SET_MTU: " + rule, frame(FrontendRequest.NET_SET_MTU, u64(mtu)), 0);
        }

        @Test
        void sendRarpIgnoresTheUnusedTopBytes() throws ProtocolException {
            byte[] payload = hex("525400123456 ffff");
            SendRarp r = (SendRarp) Frames.decodeFrame(frame(FrontendRequest.SEND_RARP, payload), 0, ALL_FEATURES);
            assertEquals("52:54:00:12:34:56", r.toString().replaceAll(".*\\[(.*)]", "$1"));
        }
    }

    @Nested
    class Arguments {

        @Test
        void negativeFdCountIsACallerBug() {
            assertThrows(IllegalArgumentException.class,
                    () -> MessageCodec.decode(new MessageHeader(1, 1, 0), new byte[0], -1, 0));
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 257})
        void maxQueuesMustBeWithinTheProtocolLimit(int maxQueues) {
            assertThrows(IllegalArgumentException.class,
                    () -> MessageCodec.decode(new MessageHeader(1, 1, 0), new byte[0], 0, 0, maxQueues));
        }

        @Test
        void exceptionCarriesRequestAndRule() {
            ProtocolException e = reject(hex("01000000 01000000 00000000"), 1);
            assertEquals(FrontendRequest.GET_FEATURES, e.request().orElseThrow());
            assertEquals(1, e.requestCode());
            assertEquals("1 fd attached, expected none", e.rule());
            assertFalse(RuntimeException.class.isAssignableFrom(ProtocolException.class), "checked on purpose");
        }
    }
}
