package io.virtwire.provisioner.cli;

import java.time.LocalDate;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes a troff man page (man(7) macros) straight from a picocli {@link CommandSpec}: NAME, SYNOPSIS,
 * DESCRIPTION, OPTIONS and every subcommand with its own synopsis, options and parameters. Generated at package
 * time (scripts/package through {@link PackageDocs}) so the page cannot drift from the parser. Written here rather
 * than through picocli-codegen's AsciiDoc and asciidoctor: that would add a Ruby tool chain to every package build
 * for a page this simple.
 */
final class ManPage {

    private final StringBuilder out = new StringBuilder();

    private ManPage() {
    }

    /**
     * @param section man section (1 user commands, 8 daemons)
     * @param date    the page's date (the package's build date; fixed by the caller for reproducible output)
     * @param extra   extra sections, title then paragraphs, appended before SEE ALSO
     */
    static String of(CommandSpec spec, int section, String version, LocalDate date, List<String[]> extra, String seeAlso) {
        ManPage m = new ManPage();
        String name = spec.name();
        m.line(".TH " + quote(name.toUpperCase()) + " " + section + " \"" + date + "\" " + quote("virtwire " + version)
                + " " + quote(section == 8 ? "System Administration" : "User Commands"));
        m.line(".SH NAME");
        m.line(escape(name) + " \\- " + escape(firstSentence(spec)));
        m.line(".SH SYNOPSIS");
        m.synopsis(spec);
        m.line(".SH DESCRIPTION");
        for (String d : spec.usageMessage().description()) {
            m.paragraph(d);
        }
        m.options(".SH OPTIONS", spec);
        if (!spec.subcommands().isEmpty()) {
            m.line(".SH COMMANDS");
            m.commands(spec);
        }
        for (String[] e : extra) {
            m.line(".SH " + escape(e[0]));
            for (int i = 1; i < e.length; i++) {
                m.paragraph(e[i]);
            }
        }
        m.line(".SH SEE ALSO");
        m.line(escape(seeAlso));
        return m.out.toString();
    }

    private void commands(CommandSpec parent) {
        for (CommandLine sub : parent.subcommands().values().stream().distinct().toList()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden()) {
                continue;
            }
            line(".SS " + quote(spec.qualifiedName()));
            synopsis(spec);
            for (String d : spec.usageMessage().description()) {
                paragraph(d);
            }
            parameters(spec);
            for (OptionSpec o : spec.options()) {
                // inherited options (-c, --output, ...) are described once, in OPTIONS
                if (!o.hidden() && !o.inherited() && !o.usageHelp() && !o.versionHelp()) {
                    option(o);
                }
            }
            commands(spec);
        }
    }

    private void synopsis(CommandSpec spec) {
        String synopsis = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0).strip();
        line(".nf");
        for (String l : synopsis.split("\n")) {
            line(escape(l.strip()));
        }
        line(".fi");
    }

    private void options(String header, CommandSpec spec) {
        List<OptionSpec> shown = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (shown.isEmpty()) {
            return;
        }
        line(header);
        parameters(spec);
        shown.forEach(this::option);
    }

    private void parameters(CommandSpec spec) {
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                line(".TP");
                line("\\fI" + escape(p.paramLabel()) + "\\fR");
                line(escape(String.join(" ", p.description())));
            }
        }
    }

    private void option(OptionSpec o) {
        line(".TP");
        String names = String.join(", ", o.names());
        String label = o.arity().max() > 0 ? " \\fI" + escape(o.paramLabel()) + "\\fR" : "";
        line("\\fB" + escape(names) + "\\fR" + label);
        String description = String.join(" ", o.description());
        line(escape(description.isBlank() ? "(no description)" : description));
    }

    private void paragraph(String text) {
        line(".PP");
        line(escape(text));
    }

    private void line(String l) {
        out.append(l).append('\n');
    }

    private static String firstSentence(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        return d.length == 0 ? spec.name() : d[0].split("[:.]( |$)", 2)[0];
    }

    private static String quote(String s) {
        return "\"" + escape(s).replace("\"", "\\(dq") + "\"";
    }

    /** Backslashes and hyphens escaped, and a line never starts with a control character ('.' or '\''). */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder b = new StringBuilder();
        for (String l : e.split("\n", -1)) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(l.startsWith(".") || l.startsWith("'") ? "\\&" + l : l);
        }
        return b.toString();
    }
}
