package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.forwarder.UnconfiguredForwarderClient;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI's composition root (start-up without Guice, docs/benchmarks.md): it builds every command of the tree, and
 * every class with collaborators is built by it, not left to picocli's default factory.
 */
class WiringTest {

    private final Environment env = new Environment(Map.of());
    private final CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]), new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));

    @Test
    void buildsEveryCommandOfTheTree() {
        CommandLine root = Commands.all(new CommandLine(VirtwireCommand.class, new Wiring(io, env, new GlobalOptions(env))));
        List<Class<?>> all = new ArrayList<>();
        collect(root, all);
        assertTrue(all.size() > 30, "the whole tree: " + all);
        Wiring wiring = new Wiring(io, env, new GlobalOptions(env));
        for (Class<?> type : all) {
            if (!hasNoArgConstructor(type)) {
                assertNotNull(wiring.make(type), type.getName() + " takes collaborators: add it to Wiring.make");
            }
        }
    }

    @Test
    void buildsWhatPicocliAsksForBesidesTheCommands() {
        // the version provider (of VirtwireCommand's annotation) and the output of a failure (VirtwireCli)
        Wiring wiring = new Wiring(io, env, new GlobalOptions(env));
        assertTrue(wiring.make(VersionProvider.class) instanceof VersionProvider);
        assertTrue(wiring.make(Output.class) instanceof Output);
    }

    @Test
    void replacementsReachTheCommandsAndTheLastOneWins() throws Exception {
        LibvirtConnector first = uri -> {
            throw new AssertionError("replaced by the second");
        };
        LibvirtConnector second = uri -> {
            throw new AssertionError("not opened here");
        };
        UnconfiguredForwarderClient forwarder = new UnconfiguredForwarderClient();
        Wiring wiring = new Wiring(io, env, new GlobalOptions(env),
                Wiring.Replacement.all(s -> s.libvirt(first), s -> s.forwarder(forwarder)), s -> s.libvirt(second));
        DomIfListCommand domiflist = wiring.create(DomIfListCommand.class);
        assertSame(second, field(domiflist, "connector"));
        AttachInterfaceCommand attach = wiring.create(AttachInterfaceCommand.class);
        assertSame(forwarder, field(attach, "forwarder"));
        assertSame(second, attach.connector);
    }

    @Test
    void withoutReplacementsTheProductionCollaborators() throws Exception {
        Wiring wiring = new Wiring(io, env, new GlobalOptions(env));
        assertEquals("LibvirtJavaConnector", field(wiring.create(DomIfListCommand.class), "connector").getClass().getSimpleName());
        assertEquals("SelectedForwarderClient", field(wiring.create(AttachInterfaceCommand.class), "forwarder").getClass().getSimpleName());
        assertEquals("DefaultHostAccessFactory", field(wiring.create(HostShowCommand.class), "hosts").getClass().getSimpleName());
        assertEquals("SystemDemoHost", field(wiring.create(DemoCommand.class), "host").getClass().getSimpleName());
    }

    private static void collect(CommandLine cli, List<Class<?>> into) {
        into.add(cli.getCommand().getClass());
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (!into.contains(sub.getCommand().getClass())) {
                collect(sub, into);
            }
        }
    }

    private static boolean hasNoArgConstructor(Class<?> type) {
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.getParameterCount() == 0) {
                return true;
            }
        }
        return false;
    }

    private static Object field(Object owner, String name) throws Exception {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    f.setAccessible(true);
                    return f.get(owner);
                }
            }
        }
        throw new AssertionError(owner.getClass() + " has no field " + name);
    }
}
