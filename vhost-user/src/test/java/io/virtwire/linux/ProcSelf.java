package io.virtwire.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Leak counters read from /proc/self. Only descriptor kinds our code creates are counted (sockets, memfds,
 * eventfds, epoll), so the JVM opening jars or class files in the background cannot make a test flaky.
 */
public final class ProcSelf {

    private ProcSelf() {
    }

    /** Open descriptors that are sockets, memfds or anonymous inodes (eventfd, eventpoll). */
    public static long nativeFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(ProcSelf::target)
                    .filter(t -> t.startsWith("socket:") || t.startsWith("/memfd:") || t.startsWith("anon_inode:"))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of /proc/self/maps that map a memfd whose name contains {@code name}. */
    public static long mappingsOf(String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/maps"));
            return lines.stream().filter(l -> l.contains("/memfd:" + name)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String target(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return ""; // the directory's own descriptor, gone by now
        }
    }
}
