package io.virtwire.forwarder.app;

import io.virtwire.linux.ErrnoException;
import io.virtwire.linux.SdNotify;

import java.util.Map;

/**
 * The forwarder's side of systemd's {@code Type=notify} (sd_notify(3)): {@code READY=1} once the config's ports
 * and the control socket are up, {@code STOPPING=1} when a stop begins, and {@code WATCHDOG=1} every half
 * {@code $WATCHDOG_USEC} while {@code WatchdogSec=} is set. Without {@code $NOTIFY_SOCKET} (not started by
 * systemd) it does nothing. A message that cannot be sent is reported once on stderr and never stops the daemon:
 * systemd then times the start out itself, which is the right place for that decision.
 */
final class SystemdNotifier implements AutoCloseable {

    private final String socket;
    private final long watchdogMicros;
    private Thread watchdog;
    private volatile boolean closed;
    private volatile boolean reportedFailure;

    SystemdNotifier(String socket, long watchdogMicros) {
        this.socket = socket;
        this.watchdogMicros = watchdogMicros;
    }

    /**
     * From {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} (the watchdog is ours only when
     * that names this process or is unset, as sd_watchdog_enabled(3) says).
     */
    static SystemdNotifier fromEnvironment(Map<String, String> env) {
        String socket = env.get("NOTIFY_SOCKET");
        long micros = 0;
        String usec = env.get("WATCHDOG_USEC");
        String pid = env.get("WATCHDOG_PID");
        if (usec != null && (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
            try {
                micros = Long.parseLong(usec.strip());
            } catch (NumberFormatException e) {
                System.err.println("virtwire-forwarder: WATCHDOG_USEC '" + usec + "' is not a number; no watchdog pings");
            }
        }
        return new SystemdNotifier(socket == null || socket.isEmpty() ? null : socket, Math.max(0, micros));
    }

    boolean active() {
        return socket != null;
    }

    /** READY=1 with a one-line status, then the watchdog pings if systemd asked for them. */
    void ready(String status) {
        send("READY=1\nSTATUS=" + status.replace('\n', ' ') + "\nMAINPID=" + ProcessHandle.current().pid());
        if (socket != null && watchdogMicros > 0 && watchdog == null) {
            long periodMillis = Math.max(1, watchdogMicros / 2000);
            watchdog = Thread.ofPlatform().name("vw-watchdog").daemon(true).start(() -> {
                while (!closed) {
                    send("WATCHDOG=1");
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    /** STOPPING=1: systemd shows "deactivating" instead of waiting on a process it thinks is still starting. */
    void stopping() {
        send("STOPPING=1");
    }

    private void send(String state) {
        if (socket == null) {
            return;
        }
        try {
            SdNotify.send(socket, state);
        } catch (ErrnoException | IllegalArgumentException e) {
            if (!reportedFailure) {
                reportedFailure = true;
                System.err.println("virtwire-forwarder: cannot notify systemd at NOTIFY_SOCKET " + socket + ": "
                        + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watchdog != null) {
            watchdog.interrupt();
        }
    }
}
