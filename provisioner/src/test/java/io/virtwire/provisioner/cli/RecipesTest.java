package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtwire.provisioner.host.FixtureHosts;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.sim.SimulatedKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs docs/recipes/*.md from the pages themselves, so that they never rot. A page is one seed's job:
 * <ul>
 *   <li>{@code <!-- recipe-host: NAME -->} puts a fresh copy of a fixture host under the commands that follow;</li>
 *   <li>a {@code ```yaml FILE} block is a file the commands name (written to a temporary directory);</li>
 *   <li>in a {@code ```console} block, {@code $ [sudo] virtwire ...} runs the CLI on that host ({@code # exit N}: the
 *       exit status, 0 otherwise); the lines below a command up to the next one must each appear in its output
 *       ({@code ...} lines are skipped).</li>
 * </ul>
 * Commands other than virtwire are the few an operator runs around it, each simulated: {@code cp FILE /etc/...}
 * (under the host root), {@code systemctl enable virtwire-host} (the unit must exist in packaging/systemd), and
 * {@code systemctl reboot} (the kernel boots with what the boot loader's config says; VFs, vdpa devices and switchdev
 * mode are gone; drivers and loaded modules stay as they were, which a real reboot would also reset).
 */
class RecipesTest {

    private static final Path RECIPES = Path.of("../docs/recipes");
    private static final Pattern BLOCK = Pattern.compile("```(\\w+)(?:[ \\t]+(\\S+))?\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern HOST = Pattern.compile("<!-- recipe-host: (\\S+) -->");
    private static final Pattern EXIT = Pattern.compile("\\s+#\\s*exit (\\d+)\\s*$");

    @TempDir
    Path tmp;

    static Stream<String> pages() throws Exception {
        try (Stream<Path> s = Files.list(RECIPES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{3}-.*\\.md")).sorted().toList().stream();
        }
    }

    @Test
    void onePagePerSeed() throws Exception {
        List<String> seeds = pages().map(n -> n.substring(0, 3)).toList();
        assertEquals(List.of("000", "001", "002", "003", "004"), seeds);
        String index = Files.readString(RECIPES.resolve("README.md"));
        pages().forEach(p -> assertTrue(index.contains("(" + p + ")"), "docs/recipes/README.md does not link " + p));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pages")
    void recipeRunsAsWritten(String page) throws Exception {
        String text = Files.readString(RECIPES.resolve(page));
        List<int[]> hostAt = new ArrayList<>();
        List<String> hostNames = new ArrayList<>();
        Matcher h = HOST.matcher(text);
        while (h.find()) {
            hostAt.add(new int[] {h.start()});
            hostNames.add(h.group(1));
        }
        assertFalse(hostNames.isEmpty(), page + " names no fixture host (<!-- recipe-host: NAME -->)");
        Map<String, Path> files = new HashMap<>();
        Path root = null;
        int currentHost = -1;
        int commands = 0;
        Matcher b = BLOCK.matcher(text);
        while (b.find()) {
            int host = -1;
            for (int i = 0; i < hostAt.size(); i++) {
                if (hostAt.get(i)[0] < b.start()) {
                    host = i;
                }
            }
            if (host != currentHost && host >= 0) {
                currentHost = host;
                root = FixtureHosts.materialize(hostNames.get(host), tmp.resolve(page + "-" + host));
            }
            String lang = b.group(1);
            if (lang.equals("yaml") && b.group(2) != null) {
                Path f = tmp.resolve(page + "-" + b.group(2));
                Files.writeString(f, b.group(3));
                files.put(b.group(2), f);
            } else if (lang.equals("console")) {
                assertTrue(root != null, page + ": a console block before any recipe-host");
                commands += runConsole(page, b.group(3), root, files);
            }
        }
        assertTrue(commands >= 3, page + " runs only " + commands + " commands");
    }

    private int runConsole(String page, String block, Path root, Map<String, Path> files) throws Exception {
        List<String> lines = block.lines().toList();
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("$ ")) {
                continue;
            }
            List<String> expected = new ArrayList<>();
            for (int j = i + 1; j < lines.size() && !lines.get(j).startsWith("$ "); j++) {
                String e = lines.get(j).strip();
                if (!e.isEmpty() && !e.equals("...")) {
                    expected.add(e);
                }
            }
            String command = line.substring(2).strip();
            int exit = 0;
            Matcher m = EXIT.matcher(command);
            if (m.find()) {
                exit = Integer.parseInt(m.group(1));
                command = command.substring(0, m.start());
            }
            command = command.replaceFirst("^sudo ", "");
            String output = run(page, command, root, files, exit);
            for (String e : expected) {
                assertTrue(output.contains(e), page + ": '" + command + "' printed no line with '" + e + "':\n" + output);
            }
            n++;
        }
        return n;
    }

    private String run(String page, String command, Path root, Map<String, Path> files, int exit) throws Exception {
        List<String> argv = new ArrayList<>(List.of(command.split("\\s+")));
        switch (argv.getFirst()) {
            case "virtwire" -> {
                List<String> args = argv.subList(1, argv.size()).stream().map(a -> files.containsKey(a) ? files.get(a).toString() : a).toList();
                CliRunner.Result r = new CliRunner().env("VIRTWIRE_HOST_ROOT", root.toString()).env("LIBVIRT_DEFAULT_URI", "test:///default")
                        .env("VIRTWIRE_STATE_DIR", tmp.resolve("state").toString()).env("VIRTWIRE_RUN_DIR", tmp.resolve("run").toString())
                        .run(args.toArray(String[]::new));
                assertEquals(exit, r.exitCode(), page + ": '" + command + "'\n" + r);
                String out = r.out() + r.err();
                for (Map.Entry<String, Path> f : files.entrySet()) {
                    out = out.replace(f.getValue().toString(), f.getKey()); // as the page names it
                }
                return out;
            }
            case "cp" -> {
                assertEquals(3, argv.size(), page + ": " + command);
                Path from = files.get(argv.get(1));
                assertTrue(from != null && argv.get(2).startsWith("/etc/"), page + ": cp copies a file of the page to /etc: " + command);
                Path to = root.resolve(argv.get(2).substring(1));
                Files.createDirectories(to.getParent());
                Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return "";
            }
            case "systemctl" -> {
                if (argv.equals(List.of("systemctl", "enable", "virtwire-host"))) {
                    assertTrue(Files.isRegularFile(Path.of("../packaging/systemd/virtwire-host.service")));
                    return "";
                }
                if (argv.equals(List.of("systemctl", "reboot"))) {
                    reboot(root);
                    return "";
                }
                fail(page + ": cannot simulate '" + command + "'");
                return "";
            }
            default -> {
                fail(page + ": the recipe test cannot run '" + command + "': use virtwire, cp FILE /etc/..., systemctl enable virtwire-host or systemctl reboot");
                return "";
            }
        }
    }

    /** The kernel comes up with the boot loader's command line; VFs, vdpa devices and switchdev mode do not survive a reboot. */
    private static void reboot(Path root) throws Exception {
        SimulatedKernel k = new SimulatedKernel(root);
        HostInventory inv = new HostInventoryReader(k.paths(), k).read();
        String next = inv.kernel().nextBootCmdline();
        if (next != null) {
            String image = inv.kernelCmdline().stream().filter(w -> w.startsWith("BOOT_IMAGE=")).findFirst().orElse("BOOT_IMAGE=/vmlinuz");
            Files.writeString(root.resolve("proc/cmdline"), image + " " + next + "\n");
        }
        for (PhysicalFunction pf : inv.pfs()) {
            if (pf.numVfs() > 0) {
                k.setNumVfs(pf.pciAddress(), 0);
            }
            if ("switchdev".equals(pf.eswitchMode())) {
                k.setEswitchMode(pf.pciAddress(), "legacy");
            }
        }
    }
}
