package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void demoRunsEveryStepOnTheTestDriver() {
        CliRunner.Result r = new CliRunner().run("demo", "--name", "demo-under-test");
        assertEquals(0, r.exitCode(), r.toString());
        String out = r.out();
        assertTrue(out.contains("Domain 'demo-under-test' defined from template vhostuser-memfd"), out);
        assertTrue(out.contains("attached successfully: hostdev 0000:02:10.0"), out);
        // part 1: the fixture host is diagnosed, converged, and diagnosed again with one finding fewer
        assertTrue(out.contains("enp1s0f0") && out.contains("FAIL  vf-mac-unset  [enp1s0f0]"), out);
        assertTrue(out.contains("Changed (6 steps)") && out.contains("No changes: the host already matches the profile."), out);
        String lastDoctor = out.substring(out.lastIndexOf("host doctor"), out.indexOf("== Part 2"));
        assertTrue(!lastDoctor.contains("[enp1s0f0]") && lastDoctor.contains("[enp1s0f1]"), lastDoctor);
        assertTrue(out.contains("attached successfully: vdpa /dev/vhost-vdpa-0"), out);
        assertTrue(out.contains("attached successfully: vhostuser /run/virtwire/demo-under-test-net0.sock"), out);
        assertTrue(out.contains("detached successfully: vdpa"), out);
        // the last domiflist shows the two NICs that remain, and not the detached one
        String lastList = out.substring(out.lastIndexOf("domiflist"));
        assertTrue(lastList.contains("52:54:00:10:00:00") && lastList.contains("52:54:00:00:00:13"), lastList);
        assertTrue(!lastList.contains("52:54:00:00:00:12"), lastList);
    }
}
