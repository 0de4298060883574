package io.virtwire.provisioner.cli;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The training run scripts/package records the launcher's AOT cache from ({@code -XX:AOTCacheOutput}, JEP 483/514/515):
 * the commands an operator, Ansible and the hook run most, in one JVM, so the cache holds the classes (picocli's model,
 * the commands, Jackson, JAXB, libvirt-java and JNA) that every call loads and links. Output is discarded; a
 * command that fails stops the package build (the cache would miss what that command loads).
 */
public final class AotTraining {

    /** On libvirt's test driver: no host, no root, no daemon needed at package time. */
    static final List<List<String>> COMMANDS = List.of(
            List.of("--version"),
            List.of("--version", "--output", "json"),
            List.of("--help"),
            List.of("domiflist", "--help"),
            List.of("-c", "test:///default", "domiflist", "test"),
            List.of("-c", "test:///default", "--output", "json", "domiflist", "test"),
            List.of("-c", "test:///default", "xml", "network", "--name", "aot-training", "--vf", "0000:03:00.1"));

    private AotTraining() {
    }

    public static void main(String[] args) {
        for (List<String> command : COMMANDS) {
            StringWriter err = new StringWriter();
            CliIo io = new CliIo(new ByteArrayInputStream(new byte[0]),
                    new PrintWriter(new java.io.OutputStreamWriter(OutputStream.nullOutputStream(), StandardCharsets.UTF_8), true),
                    new PrintWriter(err, true));
            int rc = VirtwireCli.run(command.toArray(String[]::new), io, Environment.system());
            if (rc != 0) {
                System.err.println("AOT training: virtwire " + String.join(" ", command) + " failed (exit " + rc + "): " + err);
                System.exit(1);
            }
        }
    }
}
