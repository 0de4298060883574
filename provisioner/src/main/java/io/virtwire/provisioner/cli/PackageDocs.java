package io.virtwire.provisioner.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code PackageDocs OUTDIR}: writes what scripts/package ships from the CLI's own picocli model, so none of it can
 * drift from the parser: {@code virtwire.1} and {@code virtwire-forwarder.8} (troff, {@link ManPage}) and
 * {@code virtwire.bash-completion} (picocli's {@link AutoComplete}). The page date is $SOURCE_DATE_EPOCH when set
 * (reproducible builds), else today.
 */
public final class PackageDocs {

    private PackageDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PackageDocs OUTDIR");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        String version = BuildInfo.current().version();
        LocalDate date = pageDate(System.getenv("SOURCE_DATE_EPOCH"));
        CommandLine cli = virtwire();
        Files.writeString(dir.resolve("virtwire.1"), virtwirePage(cli, version, date));
        Files.writeString(dir.resolve("virtwire-forwarder.8"), forwarderPage(version, date));
        Files.writeString(dir.resolve("virtwire.bash-completion"), AutoComplete.bash("virtwire", cli));
    }

    static LocalDate pageDate(String sourceDateEpoch) {
        Instant when = sourceDateEpoch == null || sourceDateEpoch.isBlank() ? Instant.now() : Instant.ofEpochSecond(Long.parseLong(sourceDateEpoch.strip()));
        return LocalDate.ofInstant(when, ZoneOffset.UTC);
    }

    /** The CLI exactly as {@code virtwire} builds it (same commands, options and descriptions). */
    static CommandLine virtwire() {
        CliIo io = CliIo.system();
        Environment env = new Environment(Map.of());
        return Commands.all(new CommandLine(VirtwireCommand.class, new Wiring(io, env, new GlobalOptions(env))));
    }

    static String virtwirePage(CommandLine cli, String version, LocalDate date) {
        return ManPage.of(cli.getCommandSpec(), 1, version, date, List.of(
                new String[] {"EXIT STATUS",
                        "0 success, 1 a check failed (host doctor), 2 invalid input, 3 not found, 4 conflict, 5 libvirt refused or "
                                + "could not be reached, 6 a host change failed, 69 a required component is missing or the forwarder "
                                + "is not running, 70 internal error.",
                        "A failure prints one line, virtwire: error: MESSAGE, on standard error; with --output json standard "
                                + "output also gets {\"error\": {\"kind\": ..., \"message\": ...}}."},
                new String[] {"ENVIRONMENT",
                        "LIBVIRT_DEFAULT_URI (default for -c), VIRTWIRE_HOST_ROOT, VIRTWIRE_STATE_DIR, VIRTWIRE_FORWARDER_SOCK "
                                + "(defaults of the options of the same meaning), VIRTWIRE_RUN_DIR (vhost-user sockets, default "
                                + "/run/virtwire), VIRTWIRE_LOCK_TIMEOUT, VIRTWIRE_FORWARDER_TIMEOUT (seconds), VIRTWIRE_DEBUG "
                                + "(stack traces of internal errors)."},
                new String[] {"FILES",
                        "/var/lib/virtwire: the allocation record, its lock, the hook and watch logs. "
                                + "/usr/share/doc/virtwire: copyright and changelog."}),
                "virtwire-forwarder(8), virsh(1)");
    }

    /**
     * The forwarder parses its few arguments by hand (io.virtwire.forwarder.app.Main, no picocli on the data path's
     * class path); this model of them is checked against its {@code --help} by ForwarderManPageTest.
     */
    static CommandSpec forwarderModel() {
        CommandSpec spec = CommandSpec.create().name("virtwire-forwarder");
        spec.usageMessage().description(
                "The virtwire vhost-user switch daemon: opens the ports of its config file, then the ports added over "
                        + "its control socket before it last stopped, and serves the control socket until SIGTERM or SIGINT.",
                "Run by systemd as virtwire-forwarder.service with --config /etc/virtwire/forwarder.yaml. "
                        + "The virtwire CLI talks to it (virtwire forwarder ...).");
        spec.addOption(OptionSpec.builder("--config").paramLabel("FILE").type(String.class)
                .description("the YAML config file (ports, control socket, workers, stateDir); without it: no config ports").build());
        spec.addOption(OptionSpec.builder("--control").paramLabel("SOCK").type(String.class)
                .description("the control socket, an absolute path (overrides the config's control; default /run/virtwire/forwarder.sock)").build());
        spec.addOption(OptionSpec.builder("--log-level").paramLabel("LEVEL").type(String.class)
                .description("error, warn, info, debug or trace (before $VIRTWIRE_LOG_LEVEL and the config's logLevel; default info)").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("print the version and the git commit of the build, then exit").build());
        spec.addOption(OptionSpec.builder("--output").paramLabel("FORMAT").type(String.class)
                .description("with --version: text or json ({\"version\": ..., \"commit\": ...})").build());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("print the usage, then exit").build());
        CommandSpec xconnect = CommandSpec.create().name("xconnect");
        xconnect.usageMessage().description("Binds two vhost-user server sockets and cross-connects them with one worker "
                + "(no MAC learning): the benchmark's backend.");
        xconnect.addPositional(PositionalParamSpec.builder().paramLabel("SOCK_A").index("0").type(String.class)
                .description("the first vhost-user socket to bind").build());
        xconnect.addPositional(PositionalParamSpec.builder().paramLabel("SOCK_B").index("1").type(String.class)
                .description("the second vhost-user socket to bind").build());
        xconnect.addOption(OptionSpec.builder("--worker-cpu").paramLabel("N").type(int.class)
                .description("pin the worker thread to CPU N").build());
        xconnect.addOption(OptionSpec.builder("--log-level").paramLabel("LEVEL").type(String.class)
                .description("error, warn, info, debug or trace (before $VIRTWIRE_LOG_LEVEL; default info)").build());
        spec.addSubcommand("xconnect", xconnect);
        return spec;
    }

    static String forwarderPage(String version, LocalDate date) {
        return ManPage.of(forwarderModel(), 8, version, date, List.of(
                new String[] {"EXIT STATUS",
                        "0 stopped by SIGTERM or SIGINT, 1 could not start (the reason on standard error, e.g. SOCKET_IN_USE, "
                                + "STATE_DIR_UNSAFE), 2 bad usage or config (a config problem as FILE:LINE:COLUMN: message)."},
                new String[] {"ENVIRONMENT", "VIRTWIRE_FORWARDER_JAVA_OPTS: extra JVM options, given after the launcher's own "
                        + "(among them the data path's JIT flags, such as -XX:+PreserveFramePointer), so they can override them."},
                new String[] {"FILES",
                        "/etc/virtwire/forwarder.yaml: the config (a conffile of the package). "
                                + "/run/virtwire/forwarder.sock: the control socket. "
                                + "/var/lib/virtwire/forwarder: remembered ports, heartbeat and lock (root only)."}),
                "virtwire(1), systemctl(1)");
    }
}
