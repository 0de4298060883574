package io.virtwire.provisioner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class VersionTest {

    /** What scripts/lib/build-info.sh passes (a commit id, "-dirty" for a modified tree) or the build's default. */
    static final Pattern COMMIT = Pattern.compile("unknown|[0-9a-f]{7,40}(-dirty)?");

    @Test
    void versionPrintsTheFilteredVersionAndCommit() {
        CliRunner.Result r = CliRunner.ok(new CliRunner().run("--version"));
        BuildInfo build = BuildInfo.current();
        // Maven filtered the file: the project version is there, never the placeholder
        assertTrue(build.version().matches("\\d+\\.\\d+\\.\\d+.*"), build.toString());
        assertTrue(COMMIT.matcher(build.commit()).matches(), build.toString());
        assertTrue(r.out().startsWith("virtwire " + build.version() + " (commit " + build.commit() + ")\n"), r.out());
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
    }

    @Test
    void versionAsJsonHasExactlyVersionAndCommit() throws Exception {
        for (List<String> args : List.of(List.of("--output", "json", "--version"), List.of("--version", "--output", "json"))) {
            CliRunner.Result r = CliRunner.ok(new CliRunner().run(args.toArray(String[]::new)));
            JsonNode doc = new ObjectMapper().readTree(r.out());
            BuildInfo build = BuildInfo.current();
            assertEquals(2, doc.size(), r.out());
            assertEquals(build.version(), doc.path("version").asText(), r.out());
            assertEquals(build.commit(), doc.path("commit").asText(), r.out());
        }
    }

    @Test
    void unfilteredOrBlankValuesSayUnknown() {
        assertEquals(new BuildInfo("unknown", "unknown"), BuildInfo.of("${project.version}", " "));
        assertEquals(new BuildInfo("1.2.3", "unknown"), BuildInfo.of("1.2.3", null));
        assertEquals(new BuildInfo("1.2.3", "0123abcd"), BuildInfo.of(" 1.2.3 ", "0123abcd\n"));
    }
}
