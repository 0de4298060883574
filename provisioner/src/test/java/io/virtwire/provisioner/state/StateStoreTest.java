package io.virtwire.provisioner.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

    @TempDir
    Path dir;

    private static Allocation socket(String path, String domain) {
        return new Allocation("vhostuser", path, domain, Allocation.HELD, null, null, null, null, null, "52:54:00:00:00:01", null);
    }

    @Test
    void savedRecordsReadBackAndLeaveNoTempFiles() throws Exception {
        StateStore store = new StateStore(dir);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            assertEquals(AllocationRecord.empty(), s.record());
            s.save(s.record().with(socket("/run/virtwire/a-0.sock", "a")));
        }
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            assertEquals("a", s.record().find("/run/virtwire/a-0.sock").orElseThrow().domain());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(StateStore.RECORD, StateStore.LOCK), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aLeftoverTempFileFromACrashedWriteIsIgnoredAndRemovedByTheNextWriter() throws Exception {
        StateStore store = new StateStore(dir);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            s.save(s.record().with(socket("/run/virtwire/a-0.sock", "a")));
        }
        Files.writeString(dir.resolve(StateStore.RECORD + ".tmp.999"), "{\"version\":1,\"allocations\":[{\"kind\":");
        Files.writeString(dir.resolve(StateStore.RECORD + ".tmp.1234.5f3a9c"), "{");
        Path outside = Files.writeString(dir.resolveSibling(dir.getFileName() + "-keep"), "not virtwire's");
        Files.createSymbolicLink(dir.resolve(StateStore.RECORD + ".tmp.77"), outside);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            assertEquals(1, s.record().allocations().size());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(StateStore.RECORD, StateStore.LOCK), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("not virtwire's", Files.readString(outside), "a symlink among the leftovers is removed, never followed");
    }

    @Test
    void aTempNameSomeoneLinkedElsewhereIsNeverWrittenThrough() throws Exception {
        Path victim = Files.writeString(dir.resolveSibling(dir.getFileName() + "-victim"), "root's file");
        StateStore store = new StateStore(dir);
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            // planted after the session opened (so after the leftover sweep): the old fixed name, allocations.json.tmp.PID
            Files.createSymbolicLink(dir.resolve(StateStore.RECORD + ".tmp." + ProcessHandle.current().pid()), victim);
            s.save(s.record().with(socket("/run/virtwire/a-0.sock", "a")));
        }
        assertEquals("root's file", Files.readString(victim));
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            assertEquals(1, s.record().allocations().size());
        }
    }

    @Test
    void aFifoAsTheLockFileIsAPromptClearErrorNotAHang() throws Exception {
        Path lock = dir.resolve(StateStore.LOCK);
        Process mkfifo = new ProcessBuilder("mkfifo", lock.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo (coreutils) is needed for this test");
        VirtwireException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(VirtwireException.class, () -> new StateStore(dir).open(Duration.ofSeconds(2)).close()));
        assertEquals(VirtwireException.Kind.HOST, e.kind());
        assertTrue(e.getMessage().contains(lock + " is not a regular file") && e.getMessage().contains("rm " + lock), e.getMessage());
        assertTrue(Files.readAttributes(lock, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "left as it was");
    }

    @Test
    void aSymlinkAsTheLockFileIsRefusedAndItsTargetUntouched() throws Exception {
        Path target = dir.resolveSibling(dir.getFileName() + "-target");
        Path lock = dir.resolve(StateStore.LOCK);
        Files.createSymbolicLink(lock, target);
        VirtwireException e = assertThrows(VirtwireException.class, () -> new StateStore(dir).open(Duration.ofSeconds(2)).close());
        assertTrue(e.getMessage().contains(lock + " is a symbolic link"), e.getMessage());
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "the link was not followed to create its target");
        // a read-only command refuses it too (it would be the same link)
        assertThrows(VirtwireException.class, () -> new StateStore(dir).openForReading(Duration.ofSeconds(2)).close());
    }

    @Test
    void anUnreadableRecordIsAClearErrorNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(StateStore.RECORD), "not json");
        VirtwireException e = assertThrows(VirtwireException.class, () -> new StateStore(dir).open(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(dir.resolve(StateStore.RECORD).toString()) && e.getMessage().contains("move it away"), e.getMessage());
        // the failed open released the lock
        Files.delete(dir.resolve(StateStore.RECORD));
        new StateStore(dir).open(Duration.ofSeconds(1)).close();
    }

    @Test
    void theLockSerialisesSessionsAndTimesOutWithAClearError() throws Exception {
        StateStore store = new StateStore(dir);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holder.start();
        held.await();
        VirtwireException busy = assertThrows(VirtwireException.class, () -> store.open(Duration.ofMillis(200)));
        assertEquals(VirtwireException.Kind.CONFLICT, busy.kind());
        assertTrue(busy.getMessage().contains("another virtwire invocation has held " + dir.resolve(StateStore.LOCK)), busy.getMessage());
        release.countDown();
        holder.join();

        // read-modify-write from many threads loses no update
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try (StateStore.Session s = store.open(Duration.ofSeconds(30))) {
                    s.save(s.record().with(socket("/run/virtwire/d-" + n + ".sock", "d" + n)));
                }
            });
            writers.add(t);
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
        try (StateStore.Session s = store.open(Duration.ofSeconds(5))) {
            assertEquals(16, s.record().allocations().size());
        }
    }
}
