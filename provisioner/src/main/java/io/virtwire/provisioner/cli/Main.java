package io.virtwire.provisioner.cli;

/** Entry point of bin/virtwire. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(VirtwireCli.run(args, CliIo.system(), Environment.system()));
    }
}
