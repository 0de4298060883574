package io.virtwire.provisioner.cli;

import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.HelpCommand;

/**
 * virtwire's top-level commands, and which of them one call needs.
 *
 * <p>picocli builds the model of a command (options, parameters, usage text, converters) by reflection over its
 * annotations, for every command registered. Registering all of them on every call cost about 60 % of a
 * {@code virtwire domiflist} (docs/benchmarks.md), so {@link #register} builds only the command the arguments
 * name, and the whole tree where the output depends on all of it ({@code --help}, {@code help}, an unknown
 * command, anything this scan does not understand). {@code CommandsTest} runs every kind of call both ways and
 * requires the same output; man pages and completion are generated from {@link #all}.
 *
 * <p><b>Adding a command: one line in {@link #TOP_LEVEL}</b>, its {@code @Command} name and class (the order is
 * the order of {@code virtwire --help}). Subcommands of a command ({@code host plan}) stay in that command's
 * {@code @Command(subcommands = ...)}.
 */
final class Commands {

    static final List<Map.Entry<String, Class<?>>> TOP_LEVEL = List.of(
            Map.entry("attach-interface", AttachInterfaceCommand.class),
            Map.entry("detach-interface", DetachInterfaceCommand.class),
            Map.entry("attach-hostdev", AttachHostdevCommand.class),
            Map.entry("detach-hostdev", DetachHostdevCommand.class),
            Map.entry("domiflist", DomIfListCommand.class),
            Map.entry("define-domain", DefineDomainCommand.class),
            Map.entry("xml", XmlCommand.class),
            Map.entry("host", HostCommand.class),
            Map.entry("vhost-user", VhostUserCommand.class),
            Map.entry("vf", VfCommand.class),
            Map.entry("hook", HookCommand.class),
            Map.entry("watch", WatchCommand.class),
            Map.entry("demo", DemoCommand.class),
            Map.entry("forwarder", ForwarderCommand.class),
            Map.entry("help", HelpCommand.class));

    /** virtwire's own options that take a value (VirtwireCommand): the scan skips their value. */
    private static final Set<String> VALUE_OPTIONS = Set.of("-c", "--connect", "--output", "--host-root", "--state-dir", "--forwarder");

    /** Commands whose output lists their siblings: they get the whole tree. */
    private static final Set<String> NEEDS_ALL = Set.of("help");

    private Commands() {
    }

    /** Registers on {@code root} what {@code args} need; call it before any setting that picocli copies to subcommands. */
    static void register(CommandLine root, String[] args) {
        String name = invoked(args);
        if (name == null) {
            all(root);
        } else if (!name.isEmpty()) {
            root.addSubcommand(classOf(name));
        }
    }

    /** Every command, in the order of {@link #TOP_LEVEL}: the model {@code --help}, man pages and completion show. */
    static CommandLine all(CommandLine root) {
        for (Map.Entry<String, Class<?>> e : TOP_LEVEL) {
            root.addSubcommand(e.getValue());
        }
        return root;
    }

    /**
     * The top-level command {@code args} invoke: its name; "" for none (virtwire's own options only, e.g.
     * {@code --version}: no command model needed); null when the call needs every command or the scan is unsure
     * (help, an option it does not know, an unknown command, {@code --}, an {@code @argfile}).
     */
    static String invoked(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUE_OPTIONS.contains(a)) {
                if (i + 1 >= args.length || args[i + 1].startsWith("-")) {
                    return null;   // a missing value: picocli's error, from the whole tree as before
                }
                i++;
            } else if (a.equals("-V") || a.equals("--version")) {
                continue;
            } else if (a.startsWith("--") && a.indexOf('=') > 0 && VALUE_OPTIONS.contains(a.substring(0, a.indexOf('=')))) {
                continue;       // --output=json
            } else if (a.startsWith("-c") && !a.startsWith("--")) {
                continue;       // -cURI: a short option that takes a value takes the rest of its cluster
            } else if (a.startsWith("-") || a.startsWith("@")) {
                return null;
            } else {
                return classOf(a) == null || NEEDS_ALL.contains(a) ? null : a;
            }
        }
        return "";
    }

    private static Class<?> classOf(String name) {
        for (Map.Entry<String, Class<?>> e : TOP_LEVEL) {
            if (e.getKey().equals(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
