package io.virtwire.provisioner.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.VirtwireException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vhost-user socket directory: sticky, never world-writable, so one guest's QEMU cannot replace another's socket. */
class QemuSocketAccessTest {

    @TempDir
    Path tmp;

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void aNewDirectoryIsStickyAndNotWorldWritable() throws Exception {
        Path dir = tmp.resolve("run");
        QemuSocketAccess.prepareDirectory(dir);
        int mode = mode(dir);
        assertEquals(01000, mode & 01000, "sticky: " + Integer.toOctalString(mode));
        assertEquals(0, mode & 02, "not world-writable: " + Integer.toOctalString(mode));
        assertTrue(mode == QemuSocketAccess.DIR_MODE_WITH_GROUP || mode == QemuSocketAccess.DIR_MODE_WITHOUT_GROUP, Integer.toOctalString(mode));
    }

    @Test
    void anExistingWorldWritableDirectoryIsTightened() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("run"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        QemuSocketAccess.prepareDirectory(dir);
        int mode = mode(dir);
        assertEquals(01000, mode & 01000, Integer.toOctalString(mode));
        assertEquals(0, mode & 02, Integer.toOctalString(mode));
    }

    @Test
    void aSymlinkInPlaceOfTheDirectoryIsRefusedAndItsTargetUntouched() throws Exception {
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        Path dir = Files.createSymbolicLink(tmp.resolve("run"), target);
        VirtwireException e = assertThrows(VirtwireException.class, () -> QemuSocketAccess.prepareDirectory(dir));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(0700, mode(target));
    }
}
