package io.virtwire.provisioner.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DemoPrerequisitesTest {

    private static final Path HOME = Path.of("/opt/virtwire");
    private final FakeDemoHost host = new FakeDemoHost();
    private final List<String> ran = new ArrayList<>();

    private List<String> check() {
        return new DemoPrerequisites(host, HOME, 3, 1).check(ran::add).stream().map(DemoPrerequisites.Missing::line).toList();
    }

    @Test
    void aHostWithEverythingNeedsNothing() {
        assertEquals(List.of(), check());
        assertEquals(List.of(), ran, "libvirtd answered: nothing was started");
    }

    @Test
    void notRootIsOneLineWithTheFix() {
        host.root = false;
        List<String> lines = check();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.getFirst().startsWith("real demo skipped: not running as root"), lines.getFirst());
        assertTrue(lines.getFirst().endsWith("; run it as root: sudo bin/virtwire demo"), lines.getFirst());
    }

    @Test
    void eachMissingPieceIsItsOwnLineNamingThePathAndTheFix() {
        host.commands.remove("qemu-system-x86_64");
        host.missingFiles.add(HOME.resolve("forwarder/target/virtwire-forwarder.jar"));
        host.missingFiles.add(HOME.resolve("build/guest/initramfs.cpio.gz"));
        host.netnsError = Optional.of("exit 1, mount --make-shared /run/netns failed");
        List<String> lines = check();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("real demo skipped: qemu-system-x86_64 is not installed; apt-get install qemu-system-x86 (scripts/setup installs it)", lines.get(0));
        assertTrue(lines.get(1).contains("'ip netns' does not work here (exit 1, mount --make-shared /run/netns failed)"), lines.get(1));
        assertEquals("real demo skipped: the forwarder is not built (/opt/virtwire/forwarder/target/virtwire-forwarder.jar is missing);"
                + " run /opt/virtwire/scripts/setup (or mvn -o -q package -DskipTests)", lines.get(2));
        assertEquals("real demo skipped: the guest image is missing (/opt/virtwire/build/guest/initramfs.cpio.gz);"
                + " run /opt/virtwire/scripts/build-guest (scripts/setup runs it)", lines.get(3));
    }

    @Test
    void noIpCommandIsReportedWithoutAskingForNamespaces() {
        host.commands.remove("ip");
        host.netnsError = Optional.of("must not be asked");
        assertEquals(List.of("real demo skipped: the ip command (iproute2) is not installed; apt-get install iproute2"), check());
    }

    @Test
    void asRootASilentLibvirtdIsStartedAndTheCommandsAreShown() {
        host.libvirtErrors.addAll(List.of(Optional.of("Failed to connect socket to '/var/run/libvirt/libvirt-sock'"), Optional.empty()));
        assertEquals(List.of(), check());
        assertEquals(1, host.libvirtdStarts);
        assertEquals(List.of("virtlogd -d", "libvirtd -d"), ran);
    }

    @Test
    void aLibvirtdThatStaysSilentAfterItsStartIsReported() {
        host.libvirtErrors.add(Optional.of("Connection refused"));
        List<String> lines = check();
        assertEquals(List.of("real demo skipped: qemu:///system does not answer even after starting libvirtd (Connection refused);"
                + " see /var/log/libvirt/libvirtd.log, or start it yourself: systemctl start libvirtd"), lines);
    }

    @Test
    void notRootNeitherAsksNorStartsLibvirtd() {
        host.root = false;
        host.libvirtErrors.add(Optional.of("authentication unavailable"));
        List<String> lines = check();
        assertEquals(0, host.libvirtdStarts);
        assertEquals(1, lines.size(), "the root line says it: as root the demo starts libvirtd itself; " + lines);
    }

    @Test
    void noLibvirtdInstalledSaysWhichPackage() {
        host.commands.remove("libvirtd");
        host.libvirtErrors.add(Optional.of("Connection refused"));
        assertEquals(List.of("real demo skipped: libvirtd is not installed (qemu:///system does not answer);"
                + " apt-get install libvirt-daemon-system (scripts/setup installs it)"), check());
        assertEquals(0, host.libvirtdStarts);
    }
}
