package io.virtwire.provisioner.host;

/** One hugepage pool: size in kB ("2048kB", "1048576kB"), node null for the system-wide pool. */
public record HugepagePool(String size, Integer node, long total, long free) {

    public long sizeKb() {
        return Long.parseLong(size.replace("kB", ""));
    }
}
