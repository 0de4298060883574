package io.virtwire.vhostuser.backend;

import io.virtwire.linux.EventFd;
import io.virtwire.linux.Fd;
import io.virtwire.linux.Memfd;
import io.virtwire.linux.ProcSelf;
import io.virtwire.vhostuser.frontend.BackendRefusedException;
import io.virtwire.vhostuser.frontend.GuestRam;
import io.virtwire.vhostuser.frontend.driver.DriverSplitQueue;
import io.virtwire.vhostuser.protocol.FrontendRequest;
import io.virtwire.vhostuser.protocol.MemoryRegionDesc;
import io.virtwire.vhostuser.protocol.MemoryTable;
import io.virtwire.vhostuser.protocol.SingleMemoryRegion;
import io.virtwire.vhostuser.protocol.VirtioFeature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A multiqueue session as QEMU 7.2 sends it for {@code -netdev vhost-user,queues=2}: one vhost device per queue pair
 * on one connection (net/vhost-user.c), each device sending SET_FEATURES and, with CONFIGURE_MEM_SLOTS, ADD_MEM_REG for
 * every region (only SET_OWNER, RESET_OWNER, SET_MEM_TABLE, GET_QUEUE_NUM and NET_SET_MTU were in its
 * vhost_user_one_time_request() list), then its own rings. The second pair's requests must neither fail nor stop
 * the first pair's rings.
 */
@Timeout(30)
class MultiqueueSessionTest {

    private static final long ALL_PROTOCOL = BackendSession.SUPPORTED_PROTOCOL_FEATURES;
    private static final long FEATURES = VirtioFeature.VIRTIO_F_VERSION_1.mask()
            | VirtioFeature.VHOST_USER_F_PROTOCOL_FEATURES.mask();

    /** Rings of pair {@code pair} at distinct places in region 0 (1 MiB at gpa 0). */
    private static DriverSplitQueue ring(GuestRam ram, int index) {
        long base = 0x1000 + index * 0x4000L;
        return new DriverSplitQueue(ram.memory(), 64, base, base + 0x1000, base + 0x2000);
    }

    /** One QEMU vhost device's start: SET_FEATURES, ADD_MEM_REG per region, then its two rings. */
    private static void startPair(SessionHarness h, GuestRam ram, int pair, List<EventFd> kicks) throws Exception {
        h.frontend.setFeatures(FEATURES);
        for (int i = 0; i < ram.regionCount(); i++) {
            h.frontend.request(new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, ram.region(i)), ram.fd(i));
        }
        for (int index = 2 * pair; index < 2 * pair + 2; index++) {
            EventFd kick = EventFd.create();
            kicks.add(kick);
            h.frontend.startSplitQueue(index, ring(ram, index), 0, kick, null);
        }
    }

    @Test
    void secondQueuePairRepeatsFeaturesAndRegionsWithoutStoppingTheFirst() throws Exception {
        RecordingDevice device = new RecordingDevice(4);
        List<EventFd> kicks = new ArrayList<>();
        try (GuestRam ram = GuestRam.standard("vw-mqb-pairs")) {
            long mapsBefore = ProcSelf.mappingsOf("vw-mqb-pairs");
            try (SessionHarness h = new SessionHarness(device)) {
                h.frontend.handshake(ALL_PROTOCOL);
                startPair(h, ram, 0, kicks);
                assertTrue(device.isStarted(0) && device.isStarted(1));
                int eventsBefore = device.events().size();

                startPair(h, ram, 1, kicks);

                for (int i = 0; i < 4; i++) {
                    assertTrue(device.isStarted(i), "ring " + i + " started");
                }
                List<String> during = device.events().subList(eventsBefore, device.events().size());
                assertFalse(during.contains("stopped 0") || during.contains("stopped 1"),
                        "the first pair's rings ran on while the second pair repeated its requests: " + during);
                assertEquals(3, h.session.memory().regionCount(), "each region once in the table");
                assertEquals(mapsBefore + 3, ProcSelf.mappingsOf("vw-mqb-pairs"), "each region mapped once");

                // memory hot-unplug: each device removes the region; the first REM_MEM_REG leaves it mapped
                h.frontend.request(new SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(2)));
                assertEquals(3, h.session.memory().regionCount(), "still held by the second pair's ADD_MEM_REG");
                assertTrue(device.isStarted(0) && device.isStarted(2));
                h.frontend.request(new SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(2)));
                assertEquals(2, h.session.memory().regionCount(), "the last REM_MEM_REG unmaps it");
                assertEquals(mapsBefore + 2, ProcSelf.mappingsOf("vw-mqb-pairs"));
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new SingleMemoryRegion(FrontendRequest.REM_MEM_REG, ram.region(2))), "a third is refused");
                for (int i = 0; i < 4; i++) {
                    assertTrue(device.isStarted(i), "ring " + i + " runs on (its rings live in region 0)");
                }
            }
            assertEquals(mapsBefore, ProcSelf.mappingsOf("vw-mqb-pairs"), "everything unmapped at session end");
        } finally {
            kicks.forEach(EventFd::close);
        }
    }

    @Test
    void aRegionOverTheSameAddressesButAnotherFileIsARealOverlapAndRefused() throws Exception {
        RecordingDevice device = new RecordingDevice(4);
        try (GuestRam ram = GuestRam.standard("vw-mqb-overlap");
             Fd other = Memfd.create("vw-mqb-other", 0x10_0000)) {
            try (SessionHarness h = new SessionHarness(device)) {
                h.frontend.handshake(ALL_PROTOCOL);
                h.frontend.setFeatures(FEATURES);
                h.frontend.request(new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, ram.region(0)), ram.fd(0));
                // same gpa, size, user address and offset, but another file: not the same memory
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, ram.region(0)), other));
                // the same file at another offset: other bytes behind the same addresses
                MemoryRegionDesc r0 = ram.region(0);
                MemoryRegionDesc shifted = new MemoryRegionDesc(r0.gpa(), 0x8_0000, r0.userAddr(), 0x8_0000);
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, shifted), ram.fd(0)));
                // a region overlapping half of it
                MemoryRegionDesc half = new MemoryRegionDesc(r0.gpa() + 0x8_0000, r0.size(), r0.userAddr() + 0x8_0000, 0);
                assertThrows(BackendRefusedException.class, () -> h.frontend.request(
                        new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, half), other));
                assertEquals(1, h.session.memory().regionCount());
            }
        }
    }

    @Test
    void anIdenticalSetMemTableIsANoOpAndAChangedOneRemaps() throws Exception {
        RecordingDevice device = new RecordingDevice(2);
        List<EventFd> kicks = new ArrayList<>();
        try (GuestRam ram = GuestRam.standard("vw-mqb-table");
             Fd other = Memfd.create("vw-mqb-table2", 0x1_0000)) {
            try (SessionHarness h = new SessionHarness(device)) {
                h.frontend.handshake(ALL_PROTOCOL & ~io.virtwire.vhostuser.protocol.ProtocolFeature.CONFIGURE_MEM_SLOTS.mask());
                h.frontend.setFeatures(FEATURES);
                h.frontend.setMemTable(ram);
                EventFd kick = EventFd.create();
                kicks.add(kick);
                h.frontend.startSplitQueue(0, ring(ram, 0), 0, kick, null);
                int eventsBefore = device.events().size();
                h.frontend.setMemTable(ram); // new fds for the same files
                h.frontend.setFeatures(FEATURES);
                assertEquals(List.of(), device.events().subList(eventsBefore, device.events().size()),
                        "nothing stopped, remapped or re-acked");
                // region 1 now from another file: a real change, remapped with the rings paused
                List<MemoryRegionDesc> regions = ram.regions();
                h.frontend.request(new MemoryTable(regions), ram.fd(0), other, ram.fd(2));
                List<String> after = device.events().subList(eventsBefore, device.events().size());
                assertTrue(after.contains("stopped 0") && after.contains("memory 3") && after.contains("started 0"),
                        "changed table: paused, remapped, restarted: " + after);
            }
        } finally {
            kicks.forEach(EventFd::close);
        }
    }
}
