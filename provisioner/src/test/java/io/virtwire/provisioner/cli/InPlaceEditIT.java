package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.linux.Xattr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 19: --in-place on a file owned by nobody keeps its owner and group (the file used to come back root:root
 * 0600), and a read-only directory fails with the kernel's errno text, not a temp file's name, and leaves the file
 * alone; a file's SELinux context (security.selinux) is kept. Needs root (chown, mount, setting a security.* xattr);
 * fails, not skips, without it.
 */
class InPlaceEditIT {

    /** nobody and nogroup on Debian. */
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    private final CliRunner cli = new CliRunner();
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            run("umount", m.toString());
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out + " (this test mounts a tmpfs: run it as root)");
    }

    @Test
    void aFileOwnedByNobodyKeepsItsOwnerGroupAndMode() throws Exception {
        Path file = InPlaceEditTest.domainFile(dir, "vm.xml");
        Files.setAttribute(file, "unix:uid", NOBODY); // as root only: fails here otherwise, naming the cause
        Files.setAttribute(file, "unix:gid", NOBODY);
        Files.setAttribute(file, "unix:mode", 0664);

        CliRunner.Result r = InPlaceEditTest.attach(cli, file);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.readString(file).contains(InPlaceEditTest.MAC));
        assertEquals(NOBODY, Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(NOBODY, Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0664, InPlaceEditTest.mode(file));
    }

    @Test
    void aReadOnlyDirectoryFailsWithTheErrnoTextAndChangesNothing() throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "vw-h6-inplace", ro.toString());
        mounts.add(ro);
        Path file = InPlaceEditTest.domainFile(ro, "vm.xml");
        String before = Files.readString(file);
        run("mount", "-o", "remount,ro", ro.toString());

        CliRunner.Result r = InPlaceEditTest.attach(cli, file);

        assertEquals(ExitCode.HOST_ERROR, r.exitCode(), r.toString());
        assertTrue(r.err().contains("cannot write a temporary file in " + ro + ": Read-only file system"), r.err());
        assertTrue(r.err().contains(file + " is unchanged"), r.err());
        assertEquals(before, Files.readString(file));
    }

    /**
     * The file's SELinux context survives the rename. This host runs no SELinux, so ext4/tmpfs keep security.selinux
     * as a plain xattr that root may set: the same bytes a labelled host has, read and written by the same calls.
     */
    @Test
    void theSelinuxContextIsKept() throws Exception {
        Path file = InPlaceEditTest.domainFile(dir, "vm.xml");
        byte[] context = "system_u:object_r:virt_etc_t:s0\0".getBytes(StandardCharsets.US_ASCII);
        Xattr.set(file, Xattr.SELINUX_CONTEXT, context); // needs CAP_SYS_ADMIN: fails here, naming lsetxattr, without root

        CliRunner.Result r = InPlaceEditTest.attach(cli, file);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.readString(file).contains(InPlaceEditTest.MAC), "the file was rewritten (a new inode)");
        assertArrayEquals(context, Xattr.get(file, Xattr.SELINUX_CONTEXT).orElseThrow(() -> new AssertionError("the context was lost")),
                "ls -Z shows the same context");
    }

    /** A file without a context gets none (the temp file is not given an empty or made-up one). */
    @Test
    void aFileWithoutAContextGetsNone() throws Exception {
        Path file = InPlaceEditTest.domainFile(dir, "vm.xml");

        CliRunner.Result r = InPlaceEditTest.attach(cli, file);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Xattr.get(file, Xattr.SELINUX_CONTEXT).isEmpty());
    }
}
