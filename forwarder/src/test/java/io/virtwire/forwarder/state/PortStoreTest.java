package io.virtwire.forwarder.state;

import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.config.VlanConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortStoreTest {

    @TempDir
    Path dir;

    private static final PortConfig VM1 = new PortConfig("vm1", "vhost-user", "/run/virtwire/vm1.sock", "client", 2,
            512, null, 9000, new VlanConfig("trunk", null, List.of(10, 20), 1), true);
    private static final PortConfig TAP = new PortConfig("host", "tap", null, null, null, null, "vwtap0", null,
            new VlanConfig("access", 10, null, null));

    @Test
    void aMissingFileMeansNoPorts() throws Exception {
        assertEquals(List.of(), new PortStore(dir.resolve("not-yet")).load());
    }

    @Test
    void savedPortsComeBackEqualAndInOrder() throws Exception {
        // the store does not create its directory: StateDir does, with its checks
        Files.createDirectory(dir.resolve("state"));
        PortStore store = new PortStore(dir.resolve("state"));
        store.save(List.of(VM1, TAP));
        assertEquals(List.of(VM1, TAP), new PortStore(dir.resolve("state")).load());
        assertEquals(Boolean.TRUE, new PortStore(dir.resolve("state")).load().get(0).offloads(), "offloads survive a restart");
        store.save(List.of(TAP));
        assertEquals(List.of(TAP), store.load());
        store.save(List.of());
        assertEquals(List.of(), store.load());
        try (var files = Files.list(dir.resolve("state"))) {
            assertEquals(List.of(dir.resolve("state/ports.json")), files.toList(), "each temp file was renamed into place");
        }
    }

    @Test
    void socketAccessIsKeptBesideThePorts() throws Exception {
        PortStore store = new PortStore(dir);
        store.save(List.of(VM1, TAP), java.util.Map.of("vm1", new SocketAccess(0660, 64055)));
        PortStore.Saved saved = store.loadAll();
        assertEquals(List.of(VM1, TAP), saved.ports());
        assertEquals(java.util.Map.of("vm1", new SocketAccess(0660, 64055)), saved.socketAccess());
        store.save(List.of(TAP));
        assertEquals(java.util.Map.of(), store.loadAll().socketAccess());
        assertFalse(Files.readString(dir.resolve("ports.json")).contains("socketAccess"), "absent when empty");
    }

    @Test
    void aLeftoverTempFileFromACrashIsIgnoredAndOverwritten() throws Exception {
        PortStore store = new PortStore(dir);
        store.save(List.of(VM1));
        Files.writeString(dir.resolve("ports.json.tmp"), "{\"version\":1,\"po"); // died mid-write
        assertEquals(List.of(VM1), store.load());
        store.save(List.of(VM1, TAP));
        assertEquals(List.of(VM1, TAP), store.load());
    }

    @Test
    void aFailedSaveLeavesNoTempFileBehind() throws Exception {
        PortStore store = new PortStore(dir);
        Files.createDirectories(dir.resolve("ports.json/x")); // the rename onto it fails
        assertThrows(IOException.class, () -> store.save(List.of(VM1, TAP)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("ports.json")), files.toList());
        }
    }

    @Test
    void aFileOfAnotherUserOrWritableByOthersOrASymlinkIsNeverLoaded() throws Exception {
        PortStore store = new PortStore(dir);
        store.save(List.of(VM1));
        Path file = dir.resolve("ports.json");
        Files.setAttribute(file, "unix:mode", 0620);
        PortStore.CorruptStateException e = assertThrows(PortStore.UntrustedStateException.class, store::loadAll);
        assertTrue(e.getMessage().contains("writable by its group"), e.getMessage());
        Files.setAttribute(file, "unix:mode", 0602);
        assertThrows(PortStore.UntrustedStateException.class, store::loadAll);
        Files.setAttribute(file, "unix:mode", 0600);
        Files.setAttribute(file, "unix:uid", 65534);
        e = assertThrows(PortStore.UntrustedStateException.class, store::loadAll);
        assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
        Files.setAttribute(file, "unix:uid", StateDir.ownUid());
        assertEquals(List.of(VM1), store.load(), "its own file, 0600: loaded");

        Path real = dir.resolve("elsewhere.json");
        Files.move(file, real);
        Files.createSymbolicLink(file, real);
        e = assertThrows(PortStore.UntrustedStateException.class, store::loadAll);
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void corruptFilesAreRefusedNamingTheFileAndTheProblem() throws Exception {
        PortStore store = new PortStore(dir);
        Path file = dir.resolve("ports.json");
        String[][] cases = {
                {"{\"version\":1,\"ports\":[{\"name\":\"vm1\"", "not a valid port list"},
                {"", "not a valid port list"},
                {"{\"version\":2,\"ports\":[]}", "version 1"},
                {"{\"version\":1}", "version 1"},
                {"{\"version\":1,\"ports\":[{\"name\":\"vm1\",\"socket\":\"relative\"}]}", "absolute"},
                {"{\"version\":1,\"ports\":[{\"name\":\"vm1\",\"sockett\":\"/x\"}]}", "sockett"},
                {"{\"version\":1,\"ports\":[{\"name\":\"a\",\"socket\":\"/a\"},{\"name\":\"a\",\"socket\":\"/b\"}]}", "twice"},
                {"{\"version\":1,\"ports\":[null]}", "null"},
        };
        for (String[] c : cases) {
            Files.writeString(file, c[0]);
            PortStore.CorruptStateException e = assertThrows(PortStore.CorruptStateException.class, store::load, c[0]);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), "'" + e.getMessage() + "' should say '" + c[1] + "'");
        }
    }

    @Test
    void anUnreadableFileIsRefusedNamingIt() throws Exception {
        Files.createDirectory(dir.resolve("ports.json"));
        PortStore.CorruptStateException e = assertThrows(PortStore.CorruptStateException.class, new PortStore(dir)::load);
        assertTrue(e.getMessage().contains(dir.resolve("ports.json") + " is not a regular file"), e.getMessage());
    }

    @Test
    void quarantineMovesTheFileAsideSoItIsNotOverwritten() throws Exception {
        PortStore store = new PortStore(dir);
        Files.writeString(dir.resolve("ports.json"), "garbage");
        Path aside = store.quarantine(1234);
        assertEquals(dir.resolve("ports.json.bad-1234"), aside);
        assertEquals("garbage", Files.readString(aside));
        assertEquals(List.of(), store.load());
    }
}
