package io.virtwire.provisioner.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** The streams one CLI invocation reads and writes; tests capture them. */
public record CliIo(InputStream in, PrintWriter out, PrintWriter err) {

    public static CliIo system() {
        return new CliIo(System.in,
                new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    }
}
