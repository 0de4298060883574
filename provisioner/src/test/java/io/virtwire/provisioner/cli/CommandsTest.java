package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/**
 * The CLI registers only the command a call names (start-up, docs/benchmarks.md): every kind of call must give
 * exactly what the whole command tree gives: stdout, stderr and exit code.
 */
class CommandsTest {

    @TempDir
    Path tmp;

    @Test
    void tableNamesAreTheCommandsOwnNames() {
        Set<Class<?>> seen = new HashSet<>();
        for (Map.Entry<String, Class<?>> e : Commands.TOP_LEVEL) {
            assertEquals(e.getKey(), e.getValue().getAnnotation(Command.class).name(), "Commands.TOP_LEVEL entry " + e);
            assertEquals(true, seen.add(e.getValue()), "listed twice: " + e.getValue());
        }
    }

    @Test
    void scanFindsTheInvokedCommand() {
        assertEquals("domiflist", Commands.invoked(new String[] {"domiflist", "test"}));
        assertEquals("domiflist", Commands.invoked(new String[] {"-c", "test:///default", "--output", "json", "domiflist", "test"}));
        assertEquals("domiflist", Commands.invoked(new String[] {"--connect=test:///default", "-ctest:///default", "domiflist"}));
        assertEquals("host", Commands.invoked(new String[] {"--host-root", "/h", "--state-dir", "/s", "--forwarder", "/f", "host", "plan"}));
        assertEquals("domiflist", Commands.invoked(new String[] {"-V", "domiflist"}));
        assertEquals("", Commands.invoked(new String[] {"--version", "--output", "json"}));
        assertEquals("", Commands.invoked(new String[0]));
    }

    @Test
    void scanWantsTheWholeTreeWhenTheOutputListsCommandsOrItIsUnsure() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h", "domiflist"}, new String[] {"help", "domiflist"},
                new String[] {"domiflis"}, new String[] {"--bogus", "domiflist"}, new String[] {"-c"}, new String[] {"-c", "--help"},
                new String[] {"--", "domiflist"}, new String[] {"@args"}, new String[] {"-hV"})) {
            assertNull(Commands.invoked(args), String.join(" ", args));
        }
    }

    /** Calls of every kind: what users, Ansible and the hook run, help of each level, and mistakes. */
    private static final List<List<String>> CALLS = List.of(
            List.of(), List.of("--version"), List.of("-V"), List.of("--version", "--output", "json"), List.of("--output=json", "-V"),
            List.of("--help"), List.of("-h"), List.of("help"), List.of("help", "domiflist"), List.of("help", "host"),
            List.of("domiflist", "test"), List.of("-c", "test:///default", "domiflist", "test"), List.of("-ctest:///default", "domiflist", "test"),
            List.of("--output", "json", "domiflist", "test"), List.of("domiflist", "test", "--output", "json"), List.of("domiflist", "nosuch"),
            List.of("domiflist", "--help"), List.of("domiflist", "-h"), List.of("domiflist", "test", "--bogus"), List.of("domiflist", "a", "b"),
            List.of("--version", "domiflist"), List.of("domiflist", "--version"),
            List.of("xml", "network", "--name", "n", "--vf", "0000:03:00.1"), List.of("xml", "--help"), List.of("xml", "network", "--help"),
            List.of("host", "--help"), List.of("host", "plan", "--help"), List.of("host"), List.of("host", "bogus"),
            List.of("attach-interface", "--help"), List.of("attach-interface"), List.of("detach-interface", "--help"),
            List.of("attach-hostdev", "--help"), List.of("attach-hostdev"), List.of("detach-hostdev", "--help"), List.of("help", "attach-hostdev"),
            List.of("vf", "list", "--no-reconcile", "--help"), List.of("host", "doctor", "--for", "dpdk", "--help"),
            List.of("define-domain", "--help"), List.of("vhost-user", "--help"), List.of("vf", "--help"), List.of("vf", "list", "--help"),
            List.of("hook", "--help"), List.of("hook", "qemu", "--help"), List.of("watch", "--help"), List.of("demo", "--help"),
            List.of("forwarder", "--help"), List.of("forwarder", "port", "--help"), List.of("forwarder", "port", "add", "--help"),
            List.of("domiflis"), List.of("bogus"), List.of("--bogus"), List.of("--output", "yaml", "domiflist", "test"), List.of("--output"),
            List.of("-c"), List.of("-c", "--help"), List.of("--", "domiflist"), List.of("-hV"), List.of("--output", "json"),
            List.of("--output", "json", "bogus"), List.of("--output", "json", "domiflist"));

    @Test
    void everyCallGivesWhatTheWholeTreeGives() {
        for (List<String> call : CALLS) {
            String[] args = call.toArray(String[]::new);
            assertEquals(run(true, args), run(false, args), "virtwire " + String.join(" ", call));
        }
    }

    private String run(boolean wholeTree, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        Environment env = new Environment(Map.of("LIBVIRT_DEFAULT_URI", "test:///default", "VIRTWIRE_STATE_DIR", tmp.resolve("state").toString(),
                "VIRTWIRE_RUN_DIR", tmp.resolve("run").toString(), "VIRTWIRE_FORWARDER_SOCK", tmp.resolve("no-forwarder.sock").toString(),
                "VIRTWIRE_HOST_ROOT", tmp.resolve("host").toString()));
        int code = VirtwireCli.run(wholeTree, args, io, env);
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
