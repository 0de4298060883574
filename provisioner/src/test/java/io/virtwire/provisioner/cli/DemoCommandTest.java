package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.demo.DemoHost;
import io.virtwire.provisioner.demo.FakeDemoHost;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private final FakeDemoHost host = new FakeDemoHost();

    /**
     * test:///default keeps its state for the whole JVM: each test-driver demo here uses its own domain name, removed
     * afterwards, so the next one can take the same VF and vDPA device.
     */
    @org.junit.jupiter.api.AfterEach
    void removeDemoDomains() {
        try (var gw = io.virtwire.provisioner.libvirt.LibvirtJavaGateway.open(DemoCommand.DEMO_URI)) {
            for (String d : java.util.List.of("demo-under-test", "demo-mode-test-driver", "demo-json", "demo-two-missing")) {
                if (gw.domainNames().contains(d)) {
                    gw.undefine(d);
                }
            }
        }
    }

    private CliRunner runner() {
        return new CliRunner(s -> s.demoHost(host));
    }

    @Test
    void demoRunsEveryStepOnTheTestDriver() {
        host.root = false; // the real demo's first prerequisite: the test-driver demo runs instead
        CliRunner.Result r = runner().run("demo", "--name", "demo-under-test");
        assertEquals(0, r.exitCode(), r.toString());
        String out = r.out();
        assertTrue(out.startsWith("real demo skipped: not running as root"), out);
        assertTrue(out.contains("virtwire demo: the embedded default."), out);
        assertTestDriverDemo(out, "demo-under-test");
    }

    private static void assertTestDriverDemo(String out, String name) {
        assertTrue(out.contains("Domain '" + name + "' defined from template vhostuser-memfd"), out);
        assertTrue(out.contains("attached successfully: hostdev 0000:02:10.0"), out);
        // part 1: the fixture host is diagnosed, converged, and diagnosed again with one finding fewer
        assertTrue(out.contains("enp1s0f0") && out.contains("FAIL  vf-mac-unset  [enp1s0f0]"), out);
        assertTrue(out.contains("Changed (6 steps)") && out.contains("No changes: the host already matches the profile."), out);
        String lastDoctor = out.substring(out.lastIndexOf("host doctor"), out.indexOf("== Part 2"));
        assertTrue(!lastDoctor.contains("[enp1s0f0]") && lastDoctor.contains("[enp1s0f1]"), lastDoctor);
        assertTrue(out.contains("attached successfully: vdpa /dev/vhost-vdpa-0"), out);
        assertTrue(out.contains("attached successfully: vhostuser /run/virtwire/" + name + "-net0.sock"), out);
        assertTrue(out.contains("detached successfully: vdpa"), out);
        // the last domiflist shows the two NICs that remain, and not the detached one
        String lastList = out.substring(out.lastIndexOf("domiflist"));
        assertTrue(lastList.contains("52:54:00:10:00:00") && lastList.contains("52:54:00:00:00:13"), lastList);
        assertTrue(!lastList.contains("52:54:00:00:00:12"), lastList);
    }

    @Test
    void everyMissingPrerequisiteIsOneLineBeforeTheFallback() {
        host.root = false;
        host.commands.remove("qemu-system-x86_64");
        CliRunner.Result r = runner().run("demo", "--name", "demo-two-missing");
        assertEquals(0, r.exitCode(), r.toString());
        java.util.List<String> skipped = r.out().lines().filter(l -> l.startsWith("real demo skipped: ")).toList();
        assertEquals(2, skipped.size(), r.out());
        assertTrue(skipped.get(1).contains("qemu-system-x86_64 is not installed; apt-get install qemu-system-x86"), skipped.toString());
        assertTrue(r.out().contains("(so: the test-driver demo; 'virtwire demo --mode real' insists on the real one)"), r.out());
    }

    @Test
    void modeTestDriverAsksNothingOfTheHost() {
        CliRunner.Result r = runner().run("demo", "--mode", "test-driver", "--name", "demo-mode-test-driver");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(0, host.questions, "no prerequisite was checked");
        assertTrue(!r.out().contains("real demo skipped"), r.out());
        assertTestDriverDemo(r.out(), "demo-mode-test-driver");
    }

    @Test
    void modeRealRefusesNamingWhatIsMissingAndRunsNothing() {
        host.root = false;
        CliRunner.Result r = runner().run("demo", "--mode", "real");
        assertEquals(ExitCode.UNAVAILABLE, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("real demo skipped: not running as root"), r.err());
        assertTrue(r.err().contains("--mode real needs all of the above"), r.err());
        assertEquals("", r.out(), "neither demo ran");
    }

    @Test
    void aModeThatDoesNotExistIsRefusedNamingTheChoices() {
        CliRunner.Result r = runner().run("demo", "--mode", "fake");
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("'fake' is not a demo mode: use auto, real or test-driver"), r.err());
        assertEquals(0, host.questions);
    }

    @Test
    void jsonOutputIsOneSummaryOnStdoutAndTheTutorialOnStderr() throws Exception {
        host.root = false;
        CliRunner.Result r = runner().run("--output", "json", "demo", "--name", "demo-json");
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode summary = new ObjectMapper().readTree(r.out());
        assertEquals("test-driver", summary.get("mode").asText());
        assertEquals(0, summary.get("exitCode").asInt());
        assertTrue(summary.get("realDemoSkipped").get(0).asText().startsWith("real demo skipped: not running as root"), r.out());
        assertTrue(summary.get("real").isNull(), r.out());
        assertTestDriverDemo(r.err(), "demo-json");
    }
}
