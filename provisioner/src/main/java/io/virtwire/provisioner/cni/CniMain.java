package io.virtwire.provisioner.cni;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * bin/virtwire-cni: reads the CNI environment and stdin, prints the result (or the CNI error object) on stdout and
 * exits 0 (or 1 on error). Nothing else goes to stdout: the runtime parses it.
 */
public final class CniMain {

    private CniMain() {
    }

    public static void main(String[] args) throws IOException {
        byte[] stdin = System.in.readAllBytes();
        CniPlugin.Outcome o = new CniPlugin(System.getenv()).handle(stdin);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        if (!o.stdout().isEmpty()) {
            out.println(o.stdout());
        }
        out.flush();
        System.exit(o.exit());
    }
}
