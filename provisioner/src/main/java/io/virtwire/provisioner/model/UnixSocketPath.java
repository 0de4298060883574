package io.virtwire.provisioner.model;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Absolute path of a vhost-user UNIX socket. QEMU resolves the path itself (possibly in another mount
 * namespace), so relative paths are refused, and the path must fit sockaddr_un.sun_path (108 bytes including
 * the terminating NUL).
 */
public record UnixSocketPath(String value) {

    public static final int MAX_BYTES = 107;

    public UnixSocketPath {
        Objects.requireNonNull(value, "socket path");
        if (!value.startsWith("/")) {
            throw new IllegalArgumentException("invalid vhost-user socket path '" + value
                    + "': must be absolute (start with /), e.g. /run/virtwire/vm1-net0.sock");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid vhost-user socket path '" + value.replace("\0", "\\0")
                    + "': contains a NUL byte");
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException("invalid vhost-user socket path '" + value + "': " + bytes
                    + " bytes is longer than the " + MAX_BYTES + " bytes a UNIX socket address can hold;"
                    + " use a shorter directory such as /run/virtwire");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
