package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VirtwireCliTest {

    @Test
    void noCommandIsAUsageError() {
        CliRunner.Result r = new CliRunner().run();
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.toString());
        assertTrue(r.err().contains("missing command"), r.toString());
    }

    @Test
    void unknownOutputFormatNamesTheValueAndTheChoices() {
        CliRunner.Result r = new CliRunner().run("--output", "yaml");
        assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
        assertTrue(r.err().contains("'yaml'") && r.err().contains("[text, json]"), r.toString());
    }

    @Test
    void helpListsTheGlobalOptions() {
        CliRunner.Result r = new CliRunner().run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("--connect") && r.out().contains("--host-root") && r.out().contains("--output"), r.out());
    }

    @Test
    void connectUriFollowsVirshDefaults() {
        GlobalOptions none = new GlobalOptions(new Environment(java.util.Map.of()));
        assertEquals("qemu:///system", none.connectUri());
        GlobalOptions fromEnv = new GlobalOptions(new Environment(java.util.Map.of("LIBVIRT_DEFAULT_URI", "test:///default")));
        assertEquals("test:///default", fromEnv.connectUri());
        fromEnv.connectUri("qemu:///session");
        assertEquals("qemu:///session", fromEnv.connectUri());
    }

    @Test
    void globalOptionsWorkAfterTheSubcommandToo() {
        CliRunner.Result r = new CliRunner().run("domiflist", "test", "-c", "test:///default", "--output", "json");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("\"domain\" : \"test\""), r.out());
    }

    @Test
    void internalErrorsAreReportedAsSuchWithExit70() {
        // a domain XML file that is a directory makes the reader fail in an unplanned way
        CliRunner.Result r = new CliRunner().run("domiflist", "--domain-xml", System.getProperty("java.io.tmpdir"));
        assertTrue(r.exitCode() == ExitCode.INVALID_INPUT || r.exitCode() == ExitCode.INTERNAL, r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
