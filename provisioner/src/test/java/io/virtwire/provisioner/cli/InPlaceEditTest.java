package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.linux.Xattr;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * issue 19: --in-place behaves like sed -i --follow-symlinks: the mode (a 0444 file, setgid), the POSIX ACL and the
 * symlink survive. The cases that need root (a file owned by nobody, a read-only directory) are in InPlaceEditIT.
 */
class InPlaceEditTest {

    static final String MAC = "52:54:00:de:ad:19";

    @TempDir
    Path dir;

    private final CliRunner cli = new CliRunner();

    static Path domainFile(Path dir, String name) throws IOException {
        try (InputStream in = InPlaceEditTest.class.getResourceAsStream("/domains/q35-many-devices.xml")) {
            Path p = dir.resolve(name);
            Files.write(p, in.readAllBytes());
            return p;
        }
    }

    static CliRunner.Result attach(CliRunner cli, Path file) {
        return cli.run("attach-interface", "--domain-xml", file.toString(), "--type", "hostdev", "--vf", "0000:5e:10.3", "--mac", MAC,
                "--in-place");
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aReadOnlyFileKeepsItsMode() throws Exception {
        Path file = domainFile(dir, "vm.xml");
        Files.setAttribute(file, "unix:mode", 0444);

        CliRunner.Result r = attach(cli, file);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.readString(file).contains(MAC));
        assertEquals(0444, mode(file), Integer.toOctalString(mode(file)));
        assertEquals(List.of("vm.xml"), names(dir), "no temp file left");
    }

    @Test
    void aSymlinkChainIsFollowedAndStaysALink() throws Exception {
        Path real = Files.createDirectories(dir.resolve("images"));
        Path file = domainFile(real, "vm.xml");
        Files.setAttribute(file, "unix:mode", 0640);
        Path first = Files.createSymbolicLink(dir.resolve("current.xml"), Path.of("images/vm.xml"));
        Path second = Files.createSymbolicLink(dir.resolve("vm.xml"), Path.of("current.xml"));

        CliRunner.Result r = attach(cli, second);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.isSymbolicLink(second) && Files.isSymbolicLink(first), "the links stay links");
        assertEquals(Path.of("current.xml"), Files.readSymbolicLink(second));
        assertEquals(Path.of("images/vm.xml"), Files.readSymbolicLink(first));
        assertTrue(Files.readString(file).contains(MAC), "the target was rewritten");
        assertEquals(0640, mode(file));
        assertEquals(List.of("vm.xml"), names(real), "no temp file left next to the target");
        assertEquals(List.of("current.xml", "images", "vm.xml"), names(dir), "none next to the link");
    }

    @Test
    void thePosixAclAndTheSetgidBitAreKept() throws Exception {
        Path file = domainFile(dir, "vm.xml");
        Files.setAttribute(file, "unix:mode", 02640);
        byte[] acl = acl(6, 65534, 6, 4, 6, 0); // user::rw- user:nobody:rw- group::r-- mask::rw- other::---
        Xattr.set(file, Xattr.POSIX_ACL_ACCESS, acl);
        int before = mode(file);

        CliRunner.Result r = attach(cli, file);

        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(Files.readString(file).contains(MAC));
        assertArrayEquals(acl, Xattr.get(file, Xattr.POSIX_ACL_ACCESS).orElseThrow(), "getfacl shows the same ACL");
        assertEquals(before, mode(file), Integer.toOctalString(mode(file)));
        assertEquals(02000, mode(file) & 02000, "setgid kept");
    }

    /** A POSIX ACL in the kernel's xattr format: version 2, then (tag, perm, id) entries sorted by tag. */
    static byte[] acl(int userObj, int namedUid, int namedPerm, int groupObj, int mask, int other) {
        int undefined = -1;
        int[][] entries = {{0x01, userObj, undefined}, {0x02, namedPerm, namedUid}, {0x04, groupObj, undefined}, {0x10, mask, undefined},
                {0x20, other, undefined}};
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        for (int[] e : entries) {
            b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        }
        return b.array();
    }
}
