package io.virtwire.forwarder.app;

import io.virtwire.forwarder.config.ForwarderConfig;
import io.virtwire.forwarder.config.PortConfig;
import io.virtwire.forwarder.engine.Forwarder;
import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.forwarder.engine.PortFactory;

import io.virtwire.logging.LineHandler;
import io.virtwire.logging.LogLine;
import io.virtwire.logging.LogSetup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code virtwire-forwarder [--config FILE] [--control SOCK]} (the daemon) and
 * {@code virtwire-forwarder xconnect SOCK_A SOCK_B [--worker-cpu N]}. Both run until SIGTERM/SIGINT.
 * Exit codes: 0 stopped by SIGTERM or SIGINT (a normal stop: systemd's stop and Ctrl-C), 2 bad usage or config
 * (a config problem as {@code file:line:column: message}), 1 could not start.
 * Logs: one line per record on stderr ({@link LogSetup}); the level is {@code --log-level}, else
 * {@code $VIRTWIRE_LOG_LEVEL}, else the config's {@code logLevel}, else info (error|warn|info|debug|trace).
 */
public final class Main {

    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    static final String USAGE = """
            usage: virtwire-forwarder [--config FILE] [--control SOCK] [--log-level LEVEL]
                   virtwire-forwarder xconnect SOCK_A SOCK_B [--worker-cpu N] [--log-level LEVEL]
                   virtwire-forwarder --version [--output text|json]
                   virtwire-forwarder --help
            """;

    private Main() {
    }

    public static void main(String[] args) {
        try {
            if (args.length > 0 && args[0].equals("xconnect")) {
                xconnect(args);
            } else if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
                System.out.print(USAGE);
            } else if (List.of(args).contains("--version") || List.of(args).contains("-V")) {
                System.out.print(version(args));
            } else {
                daemon(args);
            }
        } catch (UsageException e) {
            System.err.println("virtwire-forwarder: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        } catch (IllegalArgumentException e) {
            // ConfigException among them: a config file's problem, as file:line:column: message
            System.err.println("virtwire-forwarder: " + e.getMessage());
            System.exit(2);
        } catch (ForwarderException e) {
            System.err.println("virtwire-forwarder: " + e.code() + ": " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("virtwire-forwarder: cannot start: " + e);
            System.exit(1);
        }
    }

    /**
     * {@code --version [--output text|json]} (options in any order): the version and git commit of the build,
     * as {@code virtwire-forwarder VERSION (commit COMMIT)} or {@code {"version": ..., "commit": ...}}.
     */
    static String version(String[] args) throws UsageException, java.io.IOException {
        String output = "text";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--version", "-V" -> { }
                case "--output" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--output needs a format: text or json");
                    }
                    output = args[++i];
                    if (!output.equals("text") && !output.equals("json")) {
                        throw new UsageException("--output '" + output + "' is not a format: use text or json");
                    }
                }
                default -> throw new UsageException("--version takes only --output, not " + args[i]);
            }
        }
        BuildInfo build = BuildInfo.current();
        if (output.equals("json")) {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(build) + "\n";
        }
        return "virtwire-forwarder " + build.version() + " (commit " + build.commit() + ")\n"
                + "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")\n";
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private static void xconnect(String[] args) throws Exception {
        List<String> sockets = new ArrayList<>();
        int cpu = -1;
        String logLevel = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--log-level")) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--log-level needs a level: error, warn, info, debug or trace");
                }
                logLevel = args[++i];
            } else if (args[i].equals("--worker-cpu")) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--worker-cpu needs a CPU number");
                }
                try {
                    cpu = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    throw new UsageException("--worker-cpu '" + args[i] + "' is not a CPU number");
                }
            } else if (args[i].startsWith("-")) {
                throw new UsageException("unknown option " + args[i]);
            } else {
                sockets.add(args[i]);
            }
        }
        if (sockets.size() != 2) {
            throw new UsageException("xconnect takes exactly two socket paths, got " + sockets.size());
        }
        setUpLogging(logLevel, null);
        Forwarder f = new Forwarder(Forwarder.Mode.XCONNECT, 1, cpu >= 0 ? List.of(cpu) : List.of(),
                Duration.ofMinutes(5), new PortFactory(), -1);
        CountDownLatch stop = StopSignals.install();
        AtomicBoolean closed = new AtomicBoolean();
        Runnable closeOnce = () -> {
            if (closed.compareAndSet(false, true)) {
                f.close();
            }
        };
        // any other way out of the JVM (SIGHUP, System.exit elsewhere) still closes the ports
        Runtime.getRuntime().addShutdownHook(new Thread(closeOnce));
        try {
            f.addPort(PortConfig.vhostUser("a", Path.of(sockets.get(0)).toAbsolutePath().toString(), "server"));
            f.addPort(PortConfig.vhostUser("b", Path.of(sockets.get(1)).toAbsolutePath().toString(), "server"));
        } catch (ForwarderException e) {
            f.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "cross-connecting " + sockets.get(0) + " <-> " + sockets.get(1)
                + (cpu >= 0 ? " (worker on CPU " + cpu + ")" : ""));
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(System.getenv());
        systemd.ready("cross-connecting " + sockets.get(0) + " <-> " + sockets.get(1));
        stop.await();
        systemd.stopping();
        systemd.close();
        closeOnce.run();
        System.exit(0);
    }

    /** One line per record on stderr, at the level of {@code --log-level}, $VIRTWIRE_LOG_LEVEL or the config. */
    private static void setUpLogging(String commandLine, String config) throws UsageException {
        LogLine.Level level;
        try {
            level = LogSetup.resolve(commandLine, System.getenv(), config);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        LineHandler handler = LogSetup.install(level, System.err, System.getenv());
        // summaries of repeated errors still counted are written before the JVM exits
        Runtime.getRuntime().addShutdownHook(new Thread(handler::flush));
    }

    private static void daemon(String[] args) throws Exception {
        Path config = null;
        String control = null;
        String logLevel = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--log-level" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--log-level needs a level: error, warn, info, debug or trace");
                    }
                    logLevel = args[++i];
                }
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--config needs a file");
                    }
                    config = Path.of(args[++i]);
                }
                case "--control" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--control needs a socket path");
                    }
                    control = args[++i];
                }
                default -> throw new UsageException("unknown argument " + args[i]);
            }
        }
        if (control != null && !control.startsWith("/")) {
            throw new UsageException("--control '" + control + "' must be an absolute path (start with /)");
        }
        ForwarderConfig c = config == null ? ForwarderConfig.empty() : ForwarderConfig.load(config);
        if (control != null) {
            c = c.withControl(control);
        }
        setUpLogging(logLevel, c.logLevel());
        CountDownLatch stop = StopSignals.install();
        Daemon d = Daemon.start(c);
        AtomicBoolean closed = new AtomicBoolean();
        Runnable closeOnce = () -> {
            if (closed.compareAndSet(false, true)) {
                d.close();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(closeOnce));
        String status = "running, control socket " + d.controlPath() + ", " + d.forwarder().ports().size() + " ports"
                + (d.metrics() == null ? "" : ", metrics on http://" + (d.metrics().host().contains(":")
                ? "[" + d.metrics().host() + "]" : d.metrics().host()) + ":" + d.metrics().port() + "/metrics");
        LOG.log(System.Logger.Level.INFO, status);
        // Daemon.start returned: the config's ports are open and the control socket answers
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(System.getenv());
        systemd.ready(status);
        stop.await();
        systemd.stopping();
        systemd.close();
        closeOnce.run();
        LOG.log(System.Logger.Level.INFO, "stopped");
        System.exit(0);
    }
}
