package io.virtwire.forwarder.state;

import io.virtwire.forwarder.engine.ForwarderException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state directory: created root-only, refused when unsafe, locked by one forwarder, watched while running. */
@Timeout(60)
class StateDirTest {

    @TempDir
    Path dir;

    @Test
    void aMissingDirectoryIsCreatedForTheDaemonsUserOnlyAndLeftoverTempFilesAreRemoved() throws Exception {
        Path state = dir.resolve("lib/virtwire/forwarder");
        try (StateDir s = StateDir.open(state, dir.resolve("c.sock"))) {
            assertEquals(0700, (Integer) Files.getAttribute(state, "unix:mode") & 07777);
            assertEquals(StateDir.ownUid(), (Integer) Files.getAttribute(state, "unix:uid"));
            assertEquals(0600, (Integer) Files.getAttribute(state.resolve(StateDir.LOCK), "unix:mode") & 07777,
                    "the lock file, created through open(2) with mode 0600");
        }
        Path victim = Files.writeString(dir.resolve("victim"), "keep");
        Files.createSymbolicLink(state.resolve("forwarder.heartbeat.tmp"), victim);
        Files.writeString(state.resolve("ports.json.tmp-123-abcd"), "half");
        Files.writeString(state.resolve("ports.json"), "kept");
        try (StateDir s = StateDir.open(state, dir.resolve("c.sock"))) {
            assertFalse(Files.exists(state.resolve("forwarder.heartbeat.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(state.resolve("ports.json.tmp-123-abcd")));
            assertEquals("kept", Files.readString(state.resolve("ports.json")));
            assertEquals("keep", Files.readString(victim), "removing a link does not touch its target");
        }
    }

    @Test
    void aDirectoryOthersCanWriteIsRefusedNamingTheProblemAndTheFix() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Files.setAttribute(state, "unix:mode", 0771);
        ForwarderException e = assertThrows(ForwarderException.class, () -> StateDir.open(state, dir.resolve("c.sock")));
        assertEquals("STATE_DIR_UNSAFE", e.code());
        assertTrue(e.getMessage().contains("writable by its group") && e.getMessage().contains("chmod 0700 " + state),
                e.getMessage());
        assertFalse(Files.exists(state.resolve(StateDir.LOCK)), "nothing was created in it");
    }

    @Test
    void nothingIsCreatedUnderAPlaceOthersControl() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 0777);
        Path state = shared.resolve("lib/forwarder");
        ForwarderException e = assertThrows(ForwarderException.class, () -> StateDir.open(state, dir.resolve("c.sock")));
        assertEquals("STATE_DIR_UNSAFE", e.code());
        assertTrue(e.getMessage().contains(shared + " above it is writable"), e.getMessage());
        assertFalse(Files.exists(shared.resolve("lib")), "nothing created");
    }

    @Test
    void aSecondHolderIsRefusedNamingTheFirstsPidAndControlSocket() throws Exception {
        Path state = dir.resolve("state");
        try (StateDir first = StateDir.open(state, Path.of("/run/first.sock"))) {
            ForwarderException e = assertThrows(ForwarderException.class,
                    () -> StateDir.open(state, Path.of("/run/second.sock")));
            assertEquals("STATE_DIR_IN_USE", e.code());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid())
                    && e.getMessage().contains("/run/first.sock"), e.getMessage());
        }
        try (StateDir again = StateDir.open(state, Path.of("/run/second.sock"))) {
            assertTrue(Files.readString(state.resolve(StateDir.LOCK)).contains("/run/second.sock"), "free once closed");
        }
    }

    @Test
    void aFifoOrASymlinkAtTheLockPathIsRefusedAtOnce() throws Exception {
        Path state = Files.createDirectory(dir.resolve("state"));
        Process mkfifo = new ProcessBuilder("mkfifo", state.resolve(StateDir.LOCK).toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        long t0 = System.nanoTime();
        ForwarderException e = assertThrows(ForwarderException.class, () -> StateDir.open(state, dir.resolve("c.sock")));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "no hang on the FIFO");
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());

        Files.delete(state.resolve(StateDir.LOCK));
        Path victim = Files.writeString(dir.resolve("victim"), "keep");
        Files.createSymbolicLink(state.resolve(StateDir.LOCK), victim);
        e = assertThrows(ForwarderException.class, () -> StateDir.open(state, dir.resolve("c.sock")));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals("keep", Files.readString(victim));
    }

    @Test
    void aDeletedDirectoryIsNoticedReCreatedAndLockedAgain() throws Exception {
        Path state = dir.resolve("state");
        try (StateDir s = StateDir.open(state, dir.resolve("c.sock"))) {
            assertFalse(s.watch());
            assertNull(s.problem());
            deleteTree(state);
            assertTrue(s.watch(), "re-created: the caller writes its state again");
            assertTrue(s.problem().contains("was deleted"), s.problem());
            assertEquals(0700, (Integer) Files.getAttribute(state, "unix:mode") & 07777);
            s.checkWritable();
            assertThrows(ForwarderException.class, () -> StateDir.open(state, dir.resolve("d.sock")),
                    "the new directory is locked too");
        }
    }

    @Test
    void aReplacedDirectoryIsLeftAloneAndNoLongerWritten() throws Exception {
        Path state = dir.resolve("state");
        try (StateDir s = StateDir.open(state, dir.resolve("c.sock"))) {
            Files.move(state, dir.resolve("moved"));
            Files.createDirectory(state);
            assertFalse(s.watch());
            assertTrue(s.problem().contains("replaced"), s.problem());
            assertThrows(java.io.IOException.class, s::checkWritable);
            try (var files = Files.list(state)) {
                assertEquals(0, files.count(), "nothing written into the replacement");
            }
        }
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
