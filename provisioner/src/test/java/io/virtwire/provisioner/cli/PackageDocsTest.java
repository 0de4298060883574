package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

class PackageDocsTest {

    private static final LocalDate DAY = LocalDate.of(2026, 1, 2);
    private static final Pattern LONG_OPTION = Pattern.compile("--[a-z][a-z-]*");

    @Test
    void virtwirePageCoversEveryCommandAndOption() {
        CommandLine cli = PackageDocs.virtwire();
        String page = PackageDocs.virtwirePage(cli, "1.2.3", DAY);
        assertTrue(page.startsWith(".TH \"VIRTWIRE\" 1 \"2026-01-02\" \"virtwire 1.2.3\""), page.lines().findFirst().orElse(""));
        for (String section : new String[] {".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH SEE ALSO"}) {
            assertTrue(page.contains("\n" + section + "\n"), section);
        }
        assertCommands(cli.getCommandSpec(), page);
        for (OptionSpec o : cli.getCommandSpec().options()) {
            assertTrue(page.contains("\\fB" + ManPage.escape(String.join(", ", o.names())) + "\\fR"), o.longestName());
        }
        assertNoStrayControlLines(page);
    }

    private static void assertCommands(CommandSpec spec, String page) {
        for (CommandLine sub : spec.subcommands().values()) {
            assertTrue(page.contains(".SS \"" + ManPage.escape(sub.getCommandSpec().qualifiedName()) + "\""), sub.getCommandSpec().qualifiedName());
            assertCommands(sub.getCommandSpec(), page);
        }
    }

    /** Only our macros start a line with '.'; text that begins with '.' or '\'' would be read as a request. */
    private static void assertNoStrayControlLines(String page) {
        Pattern macro = Pattern.compile("^\\.(TH|SH|SS|PP|TP|nf|fi)( .*)?$");
        page.lines().filter(l -> l.startsWith(".") || l.startsWith("'"))
                .forEach(l -> assertTrue(macro.matcher(l).matches(), "stray control line: " + l));
    }

    @Test
    void forwarderModelNamesExactlyTheOptionsOfItsHelp() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(help, true, StandardCharsets.UTF_8));
            io.virtwire.forwarder.app.Main.main(new String[] {"--help"});
        } finally {
            System.setOut(stdout);
        }
        Set<String> fromHelp = longOptions(help.toString(StandardCharsets.UTF_8));
        Set<String> fromModel = new TreeSet<>();
        CommandSpec model = PackageDocs.forwarderModel();
        model.options().forEach(o -> fromModel.add(o.longestName()));
        model.subcommands().values().forEach(s -> s.getCommandSpec().options().forEach(o -> fromModel.add(o.longestName())));
        assertEquals(fromHelp, fromModel, "PackageDocs.forwarderModel() and virtwire-forwarder --help disagree: update the model");
        assertTrue(model.subcommands().containsKey("xconnect"));
        assertTrue(help.toString(StandardCharsets.UTF_8).contains("xconnect SOCK_A SOCK_B"));
        String page = PackageDocs.forwarderPage("1.2.3", DAY);
        assertTrue(page.startsWith(".TH \"VIRTWIRE\\-FORWARDER\" 8 "), page);
        for (String option : fromModel) {
            assertTrue(page.contains(ManPage.escape(option)), option);
        }
        assertNoStrayControlLines(page);
    }

    private static Set<String> longOptions(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = LONG_OPTION.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    @Test
    void completionCoversTheCommands() {
        String script = picocli.AutoComplete.bash("virtwire", PackageDocs.virtwire());
        assertTrue(script.contains("complete -F _complete_virtwire") && script.contains("domiflist") && script.contains("attach-interface"),
                script.substring(0, Math.min(400, script.length())));
    }

    @Test
    void escapeKeepsTextOutOfTroffRequests() {
        assertEquals("\\&.hidden \\e \\-\\-output", ManPage.escape(".hidden \\ --output"));
        assertEquals("\\&'quoted", ManPage.escape("'quoted"));
        assertEquals("a\n\\&.b", ManPage.escape("a\n.b"));
    }

    @Test
    void pageDateIsSourceDateEpochWhenSet() {
        assertEquals(LocalDate.of(2026, 1, 2), PackageDocs.pageDate("1767312000"));
        assertEquals(LocalDate.now(java.time.ZoneOffset.UTC), PackageDocs.pageDate(null));
    }
}
