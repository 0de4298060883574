package io.virtwire.provisioner.host;

/** RLIMIT_MEMLOCK from /proc/self/limits ("Max locked memory"); null bytes mean unlimited. */
public record MemlockLimit(Long softBytes, Long hardBytes, String source) {

    public boolean unlimited() {
        return softBytes == null;
    }
}
