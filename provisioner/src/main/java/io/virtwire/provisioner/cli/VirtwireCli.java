package io.virtwire.provisioner.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.virtwire.provisioner.VirtwireException;
import java.util.List;
import picocli.CommandLine;

/**
 * One CLI invocation: wires the services for it, parses, runs, and turns failures into one clear line on
 * stderr plus a named exit code. With {@code --output json} a failure is also printed to stdout as
 * {@code {"error": {"kind": ..., "message": ...}}} so callers that parse stdout (Ansible) see it.
 */
public final class VirtwireCli {

    private VirtwireCli() {
    }

    public static int run(String[] args, CliIo io, Environment env, Module... overrides) {
        return run(false, args, io, env, overrides);
    }

    /** {@code wholeTree}: register every command, not only the invoked one (CommandsTest compares the two). */
    static int run(boolean wholeTree, String[] args, CliIo io, Environment env, Module... overrides) {
        GlobalOptions globals = new GlobalOptions(env);
        Injector injector = injector(io, env, globals, overrides);
        CommandLine cli = new CommandLine(VirtwireCommand.class, new GuiceFactory(injector));
        // before the settings below: picocli copies them to the subcommands registered at that moment
        if (wholeTree) {
            Commands.all(cli);
        } else {
            Commands.register(cli, args);
        }
        cli.setOut(io.out());
        cli.setErr(io.err());
        cli.setCaseInsensitiveEnumValuesAllowed(false);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, io, globals, injector));
        cli.setParameterExceptionHandler((ex, a) -> {
            io.err().println("virtwire: " + ex.getMessage());
            io.err().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            if (globals.json()) {
                injector.getInstance(Output.class).printJson(new ErrorReport(new ErrorReport.Error("INVALID_INPUT", ex.getMessage())));
            }
            io.err().flush();
            return ExitCode.INVALID_INPUT;
        });
        int code = cli.execute(args);
        io.out().flush();
        io.err().flush();
        return code;
    }

    /** The services of one invocation (also what the package's man page and completion generator reads the model from). */
    static Injector injector(CliIo io, Environment env, GlobalOptions globals, Module... overrides) {
        Module invocation = new AbstractModule() {
            @Override
            protected void configure() {
                bind(CliIo.class).toInstance(io);
                bind(Environment.class).toInstance(env);
                bind(GlobalOptions.class).toInstance(globals);
            }
        };
        return Guice.createInjector(Modules.override(new ProvisionerModule()).with(List.of(overridesWith(invocation, overrides))));
    }

    private static Module[] overridesWith(Module invocation, Module[] overrides) {
        Module[] all = new Module[overrides.length + 1];
        all[0] = invocation;
        System.arraycopy(overrides, 0, all, 1, overrides.length);
        return all;
    }

    private static int failure(Exception ex, CliIo io, GlobalOptions globals, Injector injector) {
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
            injector.getInstance(Output.class).printJson(new ErrorReport(new ErrorReport.Error(kind, message)));
        }
        io.err().flush();
        return code;
    }

    /** The JSON shape of a failure. */
    public record ErrorReport(Error error) {
        public record Error(String kind, String message) {
        }
    }
}
