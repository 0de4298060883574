package io.virtwire.linux;

import java.nio.charset.StandardCharsets;

/**
 * systemd's readiness protocol (sd_notify(3)): one datagram such as {@code READY=1} to the AF_UNIX socket named by
 * {@code $NOTIFY_SOCKET}, a path ({@code /run/systemd/notify}) or an abstract name ({@code @...}), sent through a
 * {@link UnixDatagramSocket}. A fresh socket per message: messages are rare (ready, stopping, a watchdog ping every
 * few seconds) and nothing stays open.
 */
public final class SdNotify {

    private SdNotify() {
    }

    /**
     * Sends {@code state} (lines of {@code KEY=VALUE}) to {@code notifySocket}.
     *
     * @throws IllegalArgumentException when {@code notifySocket} is neither an absolute path nor {@code @name}, or
     *                                  is too long for a socket address
     * @throws ErrnoException           when the socket cannot be reached (systemd gone, no permission)
     */
    public static void send(String notifySocket, String state) throws ErrnoException {
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try {
            UnixDatagramSocket.sunPath(notifySocket);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NOTIFY_SOCKET " + e.getMessage(), e);
        }
        try (UnixDatagramSocket socket = UnixDatagramSocket.open(false)) {
            socket.sendTo(notifySocket, message);
        }
    }
}
