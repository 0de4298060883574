package io.virtwire.provisioner.cli;

/** Entry point of bin/virtwire. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        quickStart();
        System.exit(VirtwireCli.run(args, CliIo.system(), Environment.system()));
    }

    /**
     * Start-up settings of a CLI process, set before Guice loads: Guice generates a class per injected type by
     * default (faster calls in a long-running program; a one-shot CLI pays its generation and loading, and an AOT
     * cache cannot hold generated classes). Without it Guice uses reflection: measured ~8% less CPU per
     * {@code domiflist} (docs/benchmarks.md). The CLI binds no method interceptors, which would need it.
     */
    static void quickStart() {
        if (System.getProperty("guice_bytecode_gen_option") == null) {
            System.setProperty("guice_bytecode_gen_option", "DISABLED");
        }
        // Guice records a stack trace per binding for its error messages; the CLI's bindings are fixed, and a wiring
        // mistake still names the binding and its module
        if (System.getProperty("guice_include_stack_traces") == null) {
            System.setProperty("guice_include_stack_traces", "OFF");
        }
    }
}
