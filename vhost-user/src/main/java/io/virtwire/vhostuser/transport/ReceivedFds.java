package io.virtwire.vhostuser.transport;

import io.virtwire.linux.Fd;

import java.util.List;

/**
 * The descriptors that arrived with one message. This object owns them until {@link #take} hands one to a new
 * owner; {@link #close} closes every one not taken, so no error path can leak a memory-backing fd.
 */
public final class ReceivedFds implements AutoCloseable {

    private static final ReceivedFds NONE = new ReceivedFds(new Fd[0]);

    private final Fd[] fds;

    private ReceivedFds(Fd[] fds) {
        this.fds = fds;
    }

    /** Takes ownership of {@code fds}. */
    public static ReceivedFds of(List<Fd> fds) {
        return fds.isEmpty() ? NONE : new ReceivedFds(fds.toArray(Fd[]::new));
    }

    public static ReceivedFds none() {
        return NONE;
    }

    /** How many descriptors arrived (taken ones included). */
    public int count() {
        return fds.length;
    }

    /** Borrows descriptor {@code i} without taking it, e.g. to mmap it; it is still closed by {@link #close}. */
    public Fd get(int i) {
        checkIndex(i);
        return fds[i];
    }

    /**
     * Transfers descriptor {@code i} to the caller.
     *
     * @throws IllegalStateException if it was already taken or closed
     */
    public Fd take(int i) {
        checkIndex(i);
        return fds[i].take();
    }

    @Override
    public void close() {
        for (Fd fd : fds) {
            fd.close();
        }
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= fds.length) {
            throw new IndexOutOfBoundsException("descriptor " + i + " requested, but the message carried " + fds.length);
        }
    }

    @Override
    public String toString() {
        return "ReceivedFds" + java.util.Arrays.toString(fds);
    }
}
