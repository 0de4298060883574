package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.Set;

import static io.virtwire.vhostuser.protocol.FrontendRequest.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request table against QEMU docs/interop/vhost-user.rst, "Front-end message types". */
class FrontendRequestTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "GET_FEATURES, 1", "SET_FEATURES, 2", "SET_OWNER, 3", "RESET_OWNER, 4", "SET_MEM_TABLE, 5",
            "SET_LOG_BASE, 6", "SET_LOG_FD, 7", "SET_VRING_NUM, 8", "SET_VRING_ADDR, 9", "SET_VRING_BASE, 10",
            "GET_VRING_BASE, 11", "SET_VRING_KICK, 12", "SET_VRING_CALL, 13", "SET_VRING_ERR, 14",
            "GET_PROTOCOL_FEATURES, 15", "SET_PROTOCOL_FEATURES, 16", "GET_QUEUE_NUM, 17", "SET_VRING_ENABLE, 18",
            "SEND_RARP, 19", "NET_SET_MTU, 20", "SET_BACKEND_REQ_FD, 21", "IOTLB_MSG, 22", "SET_VRING_ENDIAN, 23",
            "GET_CONFIG, 24", "SET_CONFIG, 25", "CREATE_CRYPTO_SESSION, 26", "CLOSE_CRYPTO_SESSION, 27",
            "POSTCOPY_ADVISE, 28", "POSTCOPY_LISTEN, 29", "POSTCOPY_END, 30", "GET_INFLIGHT_FD, 31",
            "SET_INFLIGHT_FD, 32", "GPU_SET_SOCKET, 33", "RESET_DEVICE, 34", "VRING_KICK, 35",
            "GET_MAX_MEM_SLOTS, 36", "ADD_MEM_REG, 37", "REM_MEM_REG, 38", "SET_STATUS, 39", "GET_STATUS, 40",
            "GET_SHARED_OBJECT, 41", "SET_DEVICE_STATE_FD, 42", "CHECK_DEVICE_STATE, 43"
    })
    void wireCodesMatchTheSpec(FrontendRequest request, int code) {
        assertEquals(code, request.code());
        assertEquals(request, FrontendRequest.ofCode(code).orElseThrow());
        assertEquals("VHOST_USER_" + request.name(), request.specName());
    }

    @ParameterizedTest
    @CsvSource({"0", "44", "63", "64", "99", "4294967295"})
    void codesTheSpecDoesNotDefineAreUnknown(long code) {
        assertTrue(FrontendRequest.ofCode(code).isEmpty());
    }

    @Test
    void everyRequestANetDeviceReceivesIsSupported() {
        Set<FrontendRequest> net = EnumSet.of(GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE, SET_LOG_BASE,
                SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL,
                SET_VRING_ERR, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE, SEND_RARP,
                NET_SET_MTU, SET_BACKEND_REQ_FD, IOTLB_MSG, GET_CONFIG, SET_CONFIG, GET_INFLIGHT_FD, SET_INFLIGHT_FD,
                RESET_DEVICE, GET_MAX_MEM_SLOTS, ADD_MEM_REG, REM_MEM_REG, SET_STATUS, GET_STATUS);
        for (FrontendRequest r : FrontendRequest.values()) {
            assertEquals(net.contains(r), r.isSupported(), r.name());
        }
    }

    @ParameterizedTest(name = "{0} needs {1}")
    @CsvSource({
            "GET_QUEUE_NUM, MQ", "NET_SET_MTU, NET_MTU", "SEND_RARP, RARP", "GET_INFLIGHT_FD, INFLIGHT_SHMFD",
            "SET_INFLIGHT_FD, INFLIGHT_SHMFD", "ADD_MEM_REG, CONFIGURE_MEM_SLOTS", "REM_MEM_REG, CONFIGURE_MEM_SLOTS",
            "GET_MAX_MEM_SLOTS, CONFIGURE_MEM_SLOTS", "SET_STATUS, STATUS", "GET_STATUS, STATUS", "SET_LOG_BASE, LOG_SHMFD",
            "SET_BACKEND_REQ_FD, BACKEND_REQ", "GET_CONFIG, CONFIG", "SET_CONFIG, CONFIG", "RESET_DEVICE, RESET_DEVICE",
            "SET_VRING_ENDIAN, CROSS_ENDIAN", "POSTCOPY_ADVISE, PAGEFAULT", "VRING_KICK, INBAND_NOTIFICATIONS"
    })
    void gatedRequestsNameTheirProtocolFeature(FrontendRequest request, ProtocolFeature feature) {
        assertEquals(feature, request.requiredProtocolFeature().orElseThrow());
    }

    @ParameterizedTest
    @EnumSource(names = {"GET_FEATURES", "SET_FEATURES", "GET_PROTOCOL_FEATURES", "SET_PROTOCOL_FEATURES", "SET_OWNER",
            "SET_MEM_TABLE", "SET_VRING_NUM", "SET_VRING_ADDR", "SET_VRING_BASE", "GET_VRING_BASE", "SET_VRING_KICK",
            "SET_VRING_CALL", "SET_VRING_ERR", "SET_VRING_ENABLE", "IOTLB_MSG"})
    void negotiationAndRingSetupNeedNoProtocolFeature(FrontendRequest request) {
        assertTrue(request.requiredProtocolFeature().isEmpty());
    }

    @Test
    void fdPoliciesFollowTheSpecsAncillaryDataList() {
        assertEquals(FdPolicy.PER_REGION, SET_MEM_TABLE.fdPolicy());
        assertEquals(FdPolicy.ONE, ADD_MEM_REG.fdPolicy());
        assertEquals(FdPolicy.ZERO_OR_ONE, REM_MEM_REG.fdPolicy());
        for (FrontendRequest r : EnumSet.of(SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR)) {
            assertEquals(FdPolicy.ONE_UNLESS_NOFD, r.fdPolicy(), r.name());
        }
        for (FrontendRequest r : EnumSet.of(SET_LOG_BASE, SET_LOG_FD, SET_BACKEND_REQ_FD, SET_INFLIGHT_FD)) {
            assertEquals(FdPolicy.ONE, r.fdPolicy(), r.name());
        }
        Set<FrontendRequest> withFds = EnumSet.of(SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG, SET_VRING_KICK, SET_VRING_CALL,
                SET_VRING_ERR, SET_LOG_BASE, SET_LOG_FD, SET_BACKEND_REQ_FD, SET_INFLIGHT_FD);
        for (FrontendRequest r : FrontendRequest.values()) {
            if (!withFds.contains(r)) {
                assertEquals(FdPolicy.NONE, r.fdPolicy(), r.name());
            }
        }
    }

    @Test
    void requestsWithTheirOwnReply() {
        Set<FrontendRequest> replying = EnumSet.of(GET_FEATURES, GET_PROTOCOL_FEATURES, GET_VRING_BASE, SET_LOG_BASE,
                GET_INFLIGHT_FD, GET_QUEUE_NUM, IOTLB_MSG, GET_CONFIG, GET_MAX_MEM_SLOTS, GET_STATUS);
        for (FrontendRequest r : FrontendRequest.values()) {
            if (r.isSupported()) {
                assertEquals(replying.contains(r), r.hasReply(), r.name());
            }
        }
        assertEquals(ReplyPayload.VRING_STATE, GET_VRING_BASE.reply());
        assertEquals(ReplyPayload.CONFIG, GET_CONFIG.reply());
        assertEquals(ReplyPayload.INFLIGHT, GET_INFLIGHT_FD.reply());
    }

    @Test
    void ringAndMemoryChangesPauseTheDataPlane() {
        for (FrontendRequest r : EnumSet.of(SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK,
                SET_VRING_CALL, SET_VRING_ERR, SET_VRING_ENABLE)) {
            assertEquals(QueuePause.INDEXED_QUEUE, r.queuePause(), r.name());
        }
        for (FrontendRequest r : EnumSet.of(SET_MEM_TABLE, ADD_MEM_REG, REM_MEM_REG, SET_FEATURES, SET_LOG_BASE, IOTLB_MSG,
                RESET_DEVICE, SET_STATUS)) {
            assertEquals(QueuePause.ALL_QUEUES, r.queuePause(), r.name());
        }
        for (FrontendRequest r : EnumSet.of(GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_CONFIG, GET_STATUS)) {
            assertFalse(r.pausesQueues(), r.name());
        }
    }

    @ParameterizedTest(name = "backend {0} = {1}")
    @CsvSource({"IOTLB_MSG, 1", "CONFIG_CHANGE_MSG, 2", "VRING_HOST_NOTIFIER_MSG, 3", "VRING_CALL, 4", "VRING_ERR, 5",
            "SHARED_OBJECT_ADD, 6", "SHARED_OBJECT_REMOVE, 7", "SHARED_OBJECT_LOOKUP, 8"})
    void backendRequestCodesMatchTheSpec(BackendRequest request, int code) {
        assertEquals(code, request.code());
        assertEquals(request, BackendRequest.ofCode(code).orElseThrow());
        assertEquals("VHOST_USER_BACKEND_" + request.name(), request.specName());
    }
}
