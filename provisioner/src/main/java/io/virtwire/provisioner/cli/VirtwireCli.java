package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.JsonError;
import io.virtwire.provisioner.VirtwireException;
import picocli.CommandLine;

/**
 * One CLI invocation: wires the services for it, parses, runs, and turns failures into one clear line on
 * stderr plus a named exit code. With {@code --output json} a failure is also printed to stdout as
 * {@code {"error": {"kind": ..., "message": ...}}} so callers that parse stdout (Ansible) see it.
 */
public final class VirtwireCli {

    private VirtwireCli() {
    }

    public static int run(String[] args, CliIo io, Environment env, Wiring.Replacement... overrides) {
        return run(false, args, io, env, overrides);
    }

    /** {@code wholeTree}: register every command, not only the invoked one (CommandsTest compares the two). */
    static int run(boolean wholeTree, String[] args, CliIo io, Environment env, Wiring.Replacement... overrides) {
        GlobalOptions globals = new GlobalOptions(env);
        Wiring wiring = new Wiring(io, env, globals, overrides);
        CommandLine cli = new CommandLine(VirtwireCommand.class, wiring);
        // before the settings below: picocli copies them to the subcommands registered at that moment
        if (wholeTree) {
            Commands.all(cli);
        } else {
            Commands.register(cli, args);
        }
        cli.setOut(io.out());
        cli.setErr(io.err());
        cli.setCaseInsensitiveEnumValuesAllowed(false);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, io, globals, wiring));
        cli.setParameterExceptionHandler((ex, a) -> {
            io.err().println("virtwire: " + ex.getMessage());
            io.err().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            if (globals.json()) {
                wiring.output().printJson(new ErrorReport(new JsonError("INVALID_INPUT", ex.getMessage())));
            }
            io.err().flush();
            return ExitCode.INVALID_INPUT;
        });
        int code = cli.execute(args);
        io.out().flush();
        io.err().flush();
        return code;
    }

    private static int failure(Exception ex, CliIo io, GlobalOptions globals, Wiring wiring) {
        String kind;
        String message;
        int code;
        if (ex instanceof VirtwireException ve) {
            kind = ve.kind().name();
            message = ve.getMessage();
            code = ExitCode.of(ve.kind());
        } else {
            kind = "INTERNAL";
            message = "internal error: " + ex;
            code = ExitCode.INTERNAL;
            if (System.getenv("VIRTWIRE_DEBUG") != null) {
                ex.printStackTrace(io.err());
            }
        }
        io.err().println("virtwire: error: " + message);
        if (globals.json()) {
            wiring.output().printJson(new ErrorReport(new JsonError(kind, message)));
        }
        io.err().flush();
        return code;
    }

    /** The JSON shape of a failure. */
    public record ErrorReport(JsonError error) {
    }
}
