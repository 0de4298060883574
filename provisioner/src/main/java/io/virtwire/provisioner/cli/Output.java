package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/**
 * Renders a command's result: the result record as JSON with {@code --output json}, or the command's own
 * text form otherwise. Commands build a result object first and never print JSON by hand, so the JSON
 * contract is exactly the record's fields.
 */
public final class Output {

    private final CliIo io;
    private final GlobalOptions options;
    /** Built on first use: a text call never pays for Jackson's mapper (CLI start-up, docs/benchmarks.md). */
    private final Provider<ObjectMapper> json;

    @Inject
    public Output(CliIo io, GlobalOptions options, Provider<ObjectMapper> json) {
        this.io = io;
        this.options = options;
        this.json = json;
    }

    public void emit(Object result, Consumer<PrintWriter> text) {
        if (options.json()) {
            printJson(result);
        } else {
            text.accept(io.out());
        }
        io.out().flush();
    }

    public void printJson(Object value) {
        try {
            io.out().println(json.get().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A progress or note line for people; kept off stdout in JSON mode so stdout stays one JSON document. */
    public void note(String line) {
        (options.json() ? io.err() : io.out()).println(line);
    }

    /** Prints an XML document or fragment, ending with exactly one newline. */
    public static void printXml(PrintWriter out, String xml) {
        out.print(xml.endsWith("\n") ? xml : xml + "\n");
    }

    public PrintWriter out() {
        return io.out();
    }

    public PrintWriter err() {
        return io.err();
    }
}
