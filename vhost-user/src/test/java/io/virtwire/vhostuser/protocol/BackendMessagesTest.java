package io.virtwire.vhostuser.protocol;

import org.junit.jupiter.api.Test;

import static io.virtwire.vhostuser.protocol.Frames.header;
import static io.virtwire.vhostuser.protocol.Frames.hex;
import static io.virtwire.vhostuser.protocol.Frames.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendMessagesTest {

    @Test
    void configChangeIsAnEmptyRequestWithCode2() {
        assertArrayEquals(hex("02000000 01000000 00000000"), BackendMessages.configChange(false));
        assertArrayEquals(hex("02000000 09000000 00000000"), BackendMessages.configChange(true));
    }

    @Test
    void iotlbMissCarriesIovaPermissionAndType() {
        assertArrayEquals(hex("01000000 09000000 20000000 0050000000000000 0000000000000000 0000000000000000 01 01 000000000000"),
                BackendMessages.iotlbMiss(0x5000, IotlbMsg.Permission.READ, true));
        assertArrayEquals(hex("01000000 01000000 20000000 0050000000000000 0000000000000000 0000000000000000 02 04 000000000000"),
                BackendMessages.iotlbAccessFail(0x5000, IotlbMsg.Permission.WRITE, false));
    }

    @Test
    void frontendAckIsChecked() throws ProtocolException {
        byte[] ok = hex("02000000 05000000 08000000 0000000000000000");
        byte[] failed = hex("02000000 05000000 08000000 0100000000000000");
        assertTrue(BackendMessages.ackSucceeded(BackendRequest.CONFIG_CHANGE_MSG, header(ok), payload(ok)));
        assertFalse(BackendMessages.ackSucceeded(BackendRequest.CONFIG_CHANGE_MSG, header(failed), payload(failed)));
    }

    @Test
    void ackToAnotherRequestIsRejected() {
        byte[] other = hex("01000000 05000000 08000000 0000000000000000");
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> BackendMessages.ackSucceeded(BackendRequest.CONFIG_CHANGE_MSG, header(other), payload(other)));
        assertEquals("VHOST_USER_BACKEND_CONFIG_CHANGE_MSG reply: got request code 1, flags 0x5, expected code 2, flags 0x5",
                e.getMessage());
        assertTrue(e.request().isEmpty());
        assertEquals(2, e.requestCode());
    }

    @Test
    void ackWithoutU64IsRejected() {
        byte[] empty = hex("02000000 05000000 00000000");
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> BackendMessages.ackSucceeded(BackendRequest.CONFIG_CHANGE_MSG, header(empty), payload(empty)));
        assertEquals("VHOST_USER_BACKEND_CONFIG_CHANGE_MSG reply: payload is 0 bytes (header says 0), expected 8", e.getMessage());
    }
}
