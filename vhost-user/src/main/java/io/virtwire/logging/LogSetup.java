package io.virtwire.logging;

import java.io.PrintStream;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Points the JDK's logging (the backend of every {@code System.Logger}) at one {@link LineHandler} on stderr, at a
 * level. Replaces the JDK's two-line default format. The level is the first of: the command line
 * ({@code --log-level}), {@code $VIRTWIRE_LOG_LEVEL}, the config file, {@code info}.
 */
public final class LogSetup {

    public static final String ENV = "VIRTWIRE_LOG_LEVEL";

    private LogSetup() {
    }

    /**
     * The level to use.
     *
     * @throws IllegalArgumentException naming where the bad level came from and the valid ones
     */
    public static LogLine.Level resolve(String commandLine, Map<String, String> env, String config) {
        if (commandLine != null) {
            return LogLine.Level.parse(commandLine, "--log-level");
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return LogLine.Level.parse(fromEnv, ENV);
        }
        if (config != null) {
            return LogLine.Level.parse(config, "logLevel");
        }
        return LogLine.Level.INFO;
    }

    /**
     * Installs the handler on the root logger, dropping the JDK's console handler; with {@code $JOURNAL_STREAM}
     * set (systemd connected stderr to the journal) each line starts with its syslog priority {@code <N>}.
     */
    public static LineHandler install(LogLine.Level level, PrintStream err, Map<String, String> env) {
        Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        LineHandler handler = new LineHandler(err, env.get("JOURNAL_STREAM") != null, System::nanoTime);
        handler.setLevel(java.util.logging.Level.ALL);
        root.addHandler(handler);
        root.setLevel(LineHandler.julLevelOf(level));
        return handler;
    }
}
