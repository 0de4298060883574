package io.virtwire.forwarder.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state writer never follows or reuses a planted file, replaces atomically, and the trust checks. */
@Timeout(60)
class SecureFilesTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSymlinkAtTheTempPathIsNeverFollowedAndTheTargetIsUntouched() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "root only");
        Files.writeString(dir.resolve("ports.json"), "old");
        Path temp = dir.resolve("ports.json.tmp-planted");
        Files.createSymbolicLink(temp, victim);
        assertThrows(FileAlreadyExistsException.class,
                () -> SecureFiles.replaceVia(dir, "ports.json", temp, bytes("new"), true));
        assertEquals("root only", Files.readString(victim), "the symlink's target was not written");
        assertTrue(Files.isSymbolicLink(temp), "the planted link was not removed by us either (not ours)");
        assertEquals("old", Files.readString(dir.resolve("ports.json")));

        // a dangling symlink (O_EXCL does not create its target either)
        Path dangling = dir.resolve("ports.json.tmp-dangling");
        Files.createSymbolicLink(dangling, dir.resolve("would-be-created"));
        assertThrows(FileAlreadyExistsException.class,
                () -> SecureFiles.replaceVia(dir, "ports.json", dangling, bytes("new"), true));
        assertTrue(Files.notExists(dir.resolve("would-be-created")));
    }

    @Test
    void anExistingTempFileIsNeitherTruncatedNorReused() throws Exception {
        Path temp = Files.writeString(dir.resolve("hb.tmp-x"), "someone's");
        assertThrows(FileAlreadyExistsException.class, () -> SecureFiles.replaceVia(dir, "hb", temp, bytes("1"), false));
        assertEquals("someone's", Files.readString(temp));
        assertTrue(Files.notExists(dir.resolve("hb")));
    }

    @Test
    void theOldFixedTempNamesArePlantedInVainAndEveryWriteUsesAFreshName() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "root only");
        Files.createSymbolicLink(dir.resolve("forwarder.heartbeat.tmp"), victim);
        Files.createSymbolicLink(dir.resolve("ports.json.tmp"), victim);
        for (int i = 0; i < 20; i++) {
            SecureFiles.replace(dir, "forwarder.heartbeat", bytes(Integer.toString(i)), false);
            SecureFiles.replace(dir, "ports.json", bytes("{" + i + "}"), true);
        }
        assertEquals("root only", Files.readString(victim));
        assertEquals("19", Files.readString(dir.resolve("forwarder.heartbeat")));
        assertEquals(0600, (Integer) Files.getAttribute(dir.resolve("ports.json"), "unix:mode") & 07777);
        try (var s = Files.list(dir)) {
            assertEquals(5, s.count(), "no temp file is left: victim, two links, two state files");
        }
    }

    @Test
    void theRenameIsAtomicAReaderSeesTheOldOrTheNewContentNeverAMix() throws Exception {
        String a = "a".repeat(200_000);
        String b = "b".repeat(300_000);
        SecureFiles.replace(dir, "ports.json", bytes(a), false);
        AtomicReference<String> bad = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!Thread.currentThread().isInterrupted() && bad.get() == null) {
                try {
                    String s = Files.readString(dir.resolve("ports.json"));
                    if (!s.equals(a) && !s.equals(b)) {
                        bad.set("a reader saw " + s.length() + " bytes starting " + s.substring(0, Math.min(5, s.length())));
                    }
                } catch (IOException e) {
                    bad.set("a reader found no file: " + e);
                }
            }
        });
        for (int i = 0; i < 200; i++) {
            SecureFiles.replace(dir, "ports.json", bytes(i % 2 == 0 ? b : a), false);
        }
        reader.interrupt();
        reader.join();
        assertNull(bad.get());
    }

    @Test
    void filesAreTrustedOnlyIfRegularOwnedAndWritableByNobodyElse() throws Exception {
        int me = StateDir.ownUid();
        Path f = Files.writeString(dir.resolve("f"), "x");
        Files.setAttribute(f, "unix:mode", 0644);
        assertNull(SecureFiles.untrustedFile(f, me));
        Files.setAttribute(f, "unix:mode", 0664);
        assertTrue(SecureFiles.untrustedFile(f, me).contains("writable by its group"));
        Files.setAttribute(f, "unix:mode", 0646);
        assertTrue(SecureFiles.untrustedFile(f, me).contains("writable by its group or by everyone"));
        Files.setAttribute(f, "unix:mode", 0600);
        assertTrue(SecureFiles.untrustedFile(f, me + 1).contains("is owned by uid " + me));
        Path link = Files.createSymbolicLink(dir.resolve("l"), f);
        assertTrue(SecureFiles.untrustedFile(link, me).contains("symbolic link"));
    }

    @Test
    void aDirectoryIsTrustedOnlyIfNobodyElseCanWriteOrRenameIt() throws Exception {
        int me = StateDir.ownUid();
        Path parent = Files.createDirectory(dir.resolve("parent"));
        Path state = Files.createDirectory(parent.resolve("state"));
        Files.setAttribute(dir, "unix:mode", 0700);
        Files.setAttribute(parent, "unix:mode", 0755);
        Files.setAttribute(state, "unix:mode", 0700);
        assertNull(SecureFiles.untrustedDirectory(state, me), "root-only all the way (/tmp above is sticky)");

        Files.setAttribute(state, "unix:mode", 0770);
        assertTrue(SecureFiles.untrustedDirectory(state, me).contains("writable by its group"));
        Files.setAttribute(state, "unix:mode", 0700);
        Files.setAttribute(state, "unix:uid", 65534);
        assertTrue(SecureFiles.untrustedDirectory(state, me).contains("owned by uid 65534"));
        Files.setAttribute(state, "unix:uid", me);

        // the parent: writable by others without the sticky bit lets them rename the state directory away
        Files.setAttribute(parent, "unix:mode", 0777);
        String why = SecureFiles.untrustedDirectory(state, me);
        assertTrue(why.contains(parent.toString()) && why.contains("sticky"), why);
        Files.setAttribute(parent, "unix:mode", 01777);
        assertNull(SecureFiles.untrustedDirectory(state, me), "sticky: others cannot rename what is ours");
        Files.setAttribute(parent, "unix:mode", 0755);
        Files.setAttribute(parent, "unix:uid", 65534);
        assertTrue(SecureFiles.untrustedDirectory(state, me).contains("owned by uid 65534"));
        Files.setAttribute(parent, "unix:uid", me);

        // through a symlink held in a directory another user owns: that user could repoint it
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Files.createSymbolicLink(foreign.resolve("link"), parent);
        assertNull(SecureFiles.untrustedDirectory(foreign.resolve("link/state"), me));
        Files.setAttribute(foreign, "unix:uid", 65534);
        why = SecureFiles.untrustedDirectory(foreign.resolve("link/state"), me);
        assertTrue(why.contains(foreign.toString()), why);

        Path linkToState = Files.createSymbolicLink(dir.resolve("statelink"), state);
        assertTrue(SecureFiles.untrustedDirectory(linkToState, me).contains("symbolic link"));
    }
}
