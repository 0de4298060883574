package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.forwarder.RecordingForwarder;
import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.TreeSnapshot;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import io.virtwire.provisioner.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vf list} on a read-only state directory (a read-only tmpfs, so it holds for root too): it reads the record,
 * changes nothing (no reconciliation on the host, no write), says so on stderr and in JSON, and exits 0. Needs root
 * (mount); fails, not skips, without it.
 */
class ReadOnlyStateDirIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            run("umount", m.toString());
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out + " (this test mounts a tmpfs: run it as root)");
        return out;
    }

    /** The directory is writable but its lock file is not (a read-only bind mount of the file): vf list still reads. */
    @Test
    void vfListWorksWhenOnlyTheLockFileIsReadOnly() throws Exception {
        Path host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host"));
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path lock = Files.createFile(state.resolve(StateStore.LOCK));
        run("mount", "--bind", lock.toString(), lock.toString());
        mounts.add(lock);
        run("mount", "-o", "remount,ro,bind", lock.toString());
        try (SharedTestConnection libvirt = new SharedTestConnection()) {
            CliRunner cli = new CliRunner(Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder())))
                    .fixtureEnv(host, state, tmp.resolve("run"));
            CliRunner.Result r = cli.run("--output", "json", "vf", "list");
            assertEquals(0, r.exitCode(), r.toString());
            JsonNode list = JSON.readTree(r.out());
            assertEquals(8, list.get("vfs").size());
            assertTrue(list.get("warnings").get(0).asText().contains("Read-only file system"), list.toString());
        }
        assertEquals(List.of(StateStore.LOCK), Files.list(state).map(p -> p.getFileName().toString()).toList(), "nothing was written");
    }

    @Test
    void vfListWorksOnAReadOnlyStateDirectoryAndChangesNothing() throws Exception {
        for (boolean lockFile : List.of(true, false)) {
            Path host = FixtureHosts.materialize("i350-igb-8vfs", tmp.resolve("host-" + lockFile));
            Path state = Files.createDirectories(tmp.resolve("state-" + lockFile));
            run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "vw-sprov-ro", state.toString());
            mounts.add(state);
            // a crashed attach's trace: VF 0 configured, a pending entry that a writable run would roll back
            new SimulatedKernel(host).setVfVlan("enp1s0f0", 0, 777, 0);
            Files.writeString(state.resolve(StateStore.RECORD), """
                    {"version":1,"allocations":[{"kind":"hostdev","device":"0000:02:10.0","domain":"ro-a","state":"pending",
                     "pf":"0000:01:00.0","pfNetdev":"enp1s0f0","vfIndex":0,
                     "settings":{"mac":"52:54:00:6b:11:11","vlan":777},"previous":{"mac":"00:00:00:00:00:00","vlan":0}}]}
                    """);
            if (lockFile) {
                Files.createFile(state.resolve(StateStore.LOCK));
            }
            run("mount", "-o", "remount,ro", state.toString());
            String record = Files.readString(state.resolve(StateStore.RECORD));
            Map<String, String> hostBefore = TreeSnapshot.of(host);

            try (SharedTestConnection libvirt = new SharedTestConnection()) {
                CliRunner cli = new CliRunner(Wiring.Replacement.all(libvirt.module(), CliRunner.forwarder(new RecordingForwarder())))
                        .fixtureEnv(host, state, tmp.resolve("run")).env("VIRTWIRE_LOCK_TIMEOUT", "5");
                CliRunner.Result r = cli.run("--output", "json", "vf", "list", "--pf", "enp1s0f0");
                assertEquals(0, r.exitCode(), "lock file " + lockFile + ": " + r);
                JsonNode list = JSON.readTree(r.out());
                String warning = list.get("warnings").get(0).asText();
                assertTrue(warning.contains("the state directory " + state + " is read-only") && warning.contains("read-only file system")
                        && warning.contains("a writable run would reconcile") && warning.contains("not applied: the VF would be restored"), warning);
                assertTrue(r.err().contains("virtwire: warning: the state directory " + state + " is read-only"), r.err());
                assertEquals(0, list.get("reconciled").size(), list.toString());
                assertEquals(777, list.get("vfs").get(0).get("vlan").asInt(), "shown as found: nothing was applied");
                assertEquals(4, list.get("vfs").size());

                CliRunner.Result text = cli.run("vf", "list");
                assertEquals(0, text.exitCode(), text.toString());
                assertTrue(text.out().contains("0000:02:10.0") && text.err().contains("is read-only"), text.toString());

                // a command that must write says why it cannot
                CliRunner.Result attach = cli.run("attach-interface", "test", "--type", "hostdev", "--pf", "enp1s0f0", "--config");
                assertEquals(ExitCode.HOST_ERROR, attach.exitCode(), attach.toString());
                assertTrue(attach.err().contains(state.toString()) && attach.err().contains("Read-only file system"), attach.err());
            }
            assertEquals(record, Files.readString(state.resolve(StateStore.RECORD)));
            assertEquals(hostBefore, TreeSnapshot.of(host), "the VF was not rolled back behind the record's back");
        }
    }
}
