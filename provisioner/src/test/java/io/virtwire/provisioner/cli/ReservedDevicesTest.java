package io.virtwire.provisioner.cli;

import static io.virtwire.provisioner.cli.CliRunner.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** reserve: dpdk in the host profile: the VM allocator never hands those devices out and vf list shows them (issue 17). */
class ReservedDevicesTest {

    private static final List<String> DOMAINS = List.of("h4-res-a", "h4-res-b");

    @TempDir
    Path tmp;

    private SharedTestConnection libvirt;
    private Path host;

    @BeforeEach
    void setUp() throws Exception {
        libvirt = SharedTestConnection.withoutLeftovers();
        host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        for (String d : DOMAINS) {
            ok(cli().run("define-domain", "--template", "vhostuser-memfd", "--name", d, "--virt-type", "qemu", "--memory", "128MiB"));
        }
        // VF 0 and 1 of enp1s0f0 for a DPDK app, and the whole second port too
        Path yaml = Files.writeString(tmp.resolve("host.yaml"), """
                pfs:
                  - pf: enp1s0f0
                    vfs:
                      - {index: 0, reserve: dpdk}
                      - {index: 1, reserve: dpdk}
                  - pf: enp1s0f1
                    reserve: dpdk
                """);
        CliRunner.Result apply = ok(cli().run("host", "apply", "-f", yaml.toString()));
        assertTrue(apply.out().contains("write /etc/virtwire/reserved-devices.conf: 0000:01:00.1 dpdk; 0000:02:10.0 dpdk; 0000:02:10.4 dpdk"), apply.out());
    }

    @AfterEach
    void tearDown() {
        libvirt.undefineAndClose(DOMAINS);
    }

    private CliRunner cli() {
        return new CliRunner(Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder())))
                .fixtureEnv(host, tmp.resolve("state"), tmp.resolve("run"));
    }

    @Test
    void theAllocatorSkipsReservedVfsAndSaysWhyWhenNothingIsLeft() throws Exception {
        JsonNode change = CliRunner.json(cli(), "attach-interface", "h4-res-a", "--type", "hostdev", "--pf", "enp1s0f0", "--config");
        String picked = change.get("allocation").get("device").asText();
        assertNotEquals("0000:02:10.0", picked);
        assertNotEquals("0000:02:10.4", picked);

        CliRunner.Result none = cli().run("attach-interface", "h4-res-b", "--type", "hostdev", "--pf", "enp1s0f1", "--config");
        assertEquals(ExitCode.CONFLICT, none.exitCode(), none.toString());
        assertTrue(none.err().contains("reserved for dpdk by the host profile"), none.err());
    }

    @Test
    void aVmNamingAReservedVfIsRefusedAndNothingChanges() {
        Map<String, String> before = TreeSnapshot.of(host);
        for (String vf : List.of("0000:02:10.4", "0000:02:10.1")) { // reserved itself; a VF of the reserved PF
            CliRunner.Result r = cli().run("attach-interface", "h4-res-a", "--type", "hostdev", "--vf", vf, "--config");
            assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
            assertTrue(r.err().contains(vf + " is reserved for dpdk by the host profile (/etc/virtwire/reserved-devices.conf)"), r.err());
        }
        assertEquals(before, TreeSnapshot.of(host));
        assertTrue(ok(cli().run("domiflist", "h4-res-a", "--inactive")).out().lines().noneMatch(l -> l.contains("0000:02:10")));
    }

    @Test
    void attachHostdevRefusesAReservedDeviceByAddressOrByPf() {
        Map<String, String> before = TreeSnapshot.of(host);
        for (String device : List.of("0000:02:10.4", "0000:02:10.1", "0000:01:00.1")) { // a reserved VF; a VF of the reserved PF; that PF
            CliRunner.Result r = cli().run("attach-hostdev", "h4-res-a", device, "--config");
            assertEquals(ExitCode.CONFLICT, r.exitCode(), r.toString());
            assertTrue(r.err().contains(device + " is reserved for dpdk by the host profile"), r.err());
        }
        CliRunner.Result byPf = cli().run("attach-hostdev", "h4-res-b", "--pf", "enp1s0f1", "--config");
        assertEquals(ExitCode.CONFLICT, byPf.exitCode(), byPf.toString());
        assertTrue(byPf.err().contains("reserved for dpdk by the host profile"), byPf.err());
        assertEquals(before, TreeSnapshot.of(host));
    }

    @Test
    void vfListShowsWhoReservedWhat() throws Exception {
        JsonNode list = CliRunner.json(cli(), "vf", "list");
        int reserved = 0;
        for (JsonNode row : list.get("vfs")) {
            String a = row.get("address").asText();
            boolean expected = a.equals("0000:02:10.0") || a.equals("0000:02:10.4") || row.get("pf").asText().equals("0000:01:00.1");
            assertEquals(expected ? "dpdk" : null, row.get("reservedFor").isNull() ? null : row.get("reservedFor").asText(), row.toString());
            assertEquals(expected ? "reserved" : "free", row.get("state").asText(), row.toString());
            reserved += expected ? 1 : 0;
        }
        assertEquals(6, reserved);
        assertTrue(ok(cli().run("vf", "list")).out().contains("reserved (dpdk)"));
    }
}
