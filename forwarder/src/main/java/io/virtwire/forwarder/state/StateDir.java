package io.virtwire.forwarder.state;

import io.virtwire.forwarder.engine.ForwarderException;
import io.virtwire.linux.LockFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * The forwarder's state directory (ports.json, the heartbeat, the lock), which only the daemon's user may write.
 *
 * <ul>
 *   <li>At start it is created (mode 0700) if missing, and refused if anyone else could write it or rename it
 *       ({@link SecureFiles#untrustedDirectory}); the forwarder does not start on such a directory.</li>
 *   <li>One forwarder per directory: {@value #LOCK} is flock'ed for the daemon's lifetime and holds its pid and
 *       control socket, so a second forwarder is refused naming the first.</li>
 *   <li>Temp files a killed process left are removed (we hold the lock: nobody else writes here).</li>
 *   <li>{@link #watch()}, on every heartbeat, compares the directory's device and inode with the ones locked at
 *       start. Deleted: it is re-created (same checks, locked again) and the caller rewrites the state into it, so
 *       a restart still brings the ports back. Replaced by another directory: it is left alone and no state is
 *       written any more (it may be another forwarder's, or not ours to trust). Either way {@link #problem()} says
 *       so until the daemon restarts: someone removed root's state, an operator should know.</li>
 * </ul>
 */
public final class StateDir implements AutoCloseable {

    static final String LOCK = "forwarder.lock";
    public static final String DEFAULT = "/var/lib/virtwire/forwarder";

    private static final System.Logger LOG = System.getLogger(StateDir.class.getName());

    private final Path path;
    private final Path control;
    private final int euid;
    private LockFile lock;
    private Object identity;
    /** Writes are refused (the directory was replaced, or could not be re-created). */
    private boolean unusable;
    private volatile String problem;

    private StateDir(Path path, Path control, int euid) {
        this.path = path;
        this.control = control;
        this.euid = euid;
    }

    /**
     * Creates or checks, then locks {@code dir} for the forwarder whose control socket is {@code control}.
     *
     * @throws ForwarderException naming the problem and the fix: STATE_DIR_UNSAFE if others could write or rename
     *                             the directory, STATE_DIR_IN_USE if another forwarder holds it
     */
    public static StateDir open(Path dir, Path control) throws IOException, ForwarderException {
        StateDir s = new StateDir(dir.toAbsolutePath(), control, ownUid());
        s.createAndLock();
        s.removeStaleTemps();
        return s;
    }

    private void createAndLock() throws IOException, ForwarderException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            // nothing is created under a place others control (the refusal below would come too late)
            Path existing = path.getParent();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            String why = existing == null ? null : SecureFiles.untrustedAncestry(existing, euid);
            if (why != null) {
                throw unsafe(why);
            }
            Path parent = path.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created meanwhile: checked below like any existing directory
            }
        }
        String why = SecureFiles.untrustedDirectory(path, euid);
        if (why != null) {
            throw unsafe(why);
        }
        Path lockFile = path.resolve(LOCK);
        try {
            lock = LockFile.tryLock(lockFile);
        } catch (LockFile.HeldElsewhereException e) {
            throw new ForwarderException("STATE_DIR_IN_USE", "another forwarder (" + holder(lockFile) + ") holds the state directory "
                    + path + " (lock " + lockFile + "); two forwarders must not share one stateDir: give this one its own"
                    + " stateDir (and control socket), or stop the other first", e);
        } catch (IOException e) {
            throw new ForwarderException("STATE_DIR_UNSAFE", "state directory " + path + ": " + e.getMessage(), e);
        }
        lock.write("pid " + ProcessHandle.current().pid() + "\ncontrol " + control + "\nsince " + Instant.now() + "\n");
        identity = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private ForwarderException unsafe(String why) {
        return new ForwarderException("STATE_DIR_UNSAFE", "state directory " + path + " is not safe: " + why
                + ". Others could plant files the root daemon then trusts or overwrites. Fix: chown root:root " + path
                + " && chmod 0700 " + path + " (and the same for the directory named), or use another stateDir, e.g."
                + " the default " + DEFAULT);
    }

    /** What the holder wrote in the lock file: "pid N, control socket X". */
    private static String holder(Path lockFile) {
        try {
            String text = new String(SecureFiles.readNoFollow(lockFile), StandardCharsets.UTF_8);
            String pid = "?";
            String ctl = "?";
            for (String line : text.split("\n")) {
                if (line.startsWith("pid ")) {
                    pid = line.substring(4);
                } else if (line.startsWith("control ")) {
                    ctl = line.substring(8);
                }
            }
            return "pid " + pid + ", control socket " + ctl;
        } catch (IOException e) {
            return "pid unknown";
        }
    }

    private void removeStaleTemps() throws IOException {
        try (Stream<Path> files = Files.list(path)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                // ours: NAME.tmp-PID-RANDOM, and the fixed names older versions used
                if (SecureFiles.isTempName(n) || n.equals(PortStore.FILE + ".tmp") || n.equals("forwarder.heartbeat.tmp")) {
                    Files.deleteIfExists(f); // unlink: a symlink is removed, not followed
                    LOG.log(System.Logger.Level.INFO, "removed a temp file a previous run left: " + f);
                }
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Null, or what happened to the directory while the daemon ran. */
    public String problem() {
        return problem;
    }

    /** Throws if state must not be written now (the directory was replaced under us). */
    public synchronized void checkWritable() throws IOException {
        if (unusable) {
            throw new IOException(problem);
        }
    }

    /**
     * Called periodically: notices the directory vanishing or being replaced.
     *
     * @return true if it was deleted and has just been re-created: the caller writes its state again
     */
    public synchronized boolean watch() {
        if (unusable || lock == null) {
            return false;
        }
        Object now;
        try {
            now = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            now = null;
        } catch (IOException e) {
            return false; // cannot tell now; next tick
        }
        if (identity.equals(now)) {
            return false;
        }
        lock.close();
        lock = null;
        String when = Instant.now().toString();
        if (now != null) {
            unusable = true;
            problem = "the state directory " + path + " was replaced by another directory at " + when + "; the"
                    + " forwarder no longer writes its state there (ports.json, heartbeat), so port.add and port.del"
                    + " are refused; find out who replaced it, then restart the forwarder";
            LOG.log(System.Logger.Level.ERROR, problem);
            return false;
        }
        try {
            createAndLock();
            problem = "the state directory " + path + " was deleted while the forwarder ran (noticed at " + when
                    + "); it was re-created and the state written again; find out who deleted it (a restart clears"
                    + " this message)";
            LOG.log(System.Logger.Level.ERROR, problem);
            return true;
        } catch (IOException | ForwarderException | RuntimeException e) {
            if (lock != null) {
                lock.close();
                lock = null;
            }
            unusable = true;
            problem = "the state directory " + path + " was deleted while the forwarder ran (noticed at " + when
                    + ") and could not be re-created safely (" + e.getMessage() + "); port.add and port.del are"
                    + " refused and a restart would not bring back the ports added over the control socket: fix"
                    + " the directory, then restart the forwarder";
            LOG.log(System.Logger.Level.ERROR, problem);
            return false;
        }
    }

    /** Releases the lock; the lock file stays (removing it would race a forwarder about to lock it). */
    @Override
    public synchronized void close() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    public int euid() {
        return euid;
    }

    /** The daemon's effective uid (from /proc: the JDK has no call for it). */
    static int ownUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        throw new IOException("/proc/self/status has no Uid line");
    }
}
