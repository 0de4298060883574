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
        assertTrue(out.contains("attached successfully: hostdev 0000:07:10.1"), out);
        assertTrue(out.contains("attached successfully: vdpa /dev/vhost-vdpa-0"), out);
        assertTrue(out.contains("attached successfully: vhostuser /run/virtwire/demo-under-test-net0.sock"), out);
        assertTrue(out.contains("detached successfully: vdpa"), out);
        // the last domiflist shows the two NICs that remain, and not the detached one
        String lastList = out.substring(out.lastIndexOf("domiflist"));
        assertTrue(lastList.contains("52:54:00:00:00:11") && lastList.contains("52:54:00:00:00:13"), lastList);
        assertTrue(!lastList.contains("52:54:00:00:00:12"), lastList);
    }
}
