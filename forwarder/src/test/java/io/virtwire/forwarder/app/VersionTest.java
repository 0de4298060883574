package io.virtwire.forwarder.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void versionPrintsTheFilteredVersionAndCommit() throws Exception {
        BuildInfo build = BuildInfo.current();
        assertTrue(build.version().matches("\\d+\\.\\d+\\.\\d+.*"), build.toString());
        assertTrue(build.commit().matches("unknown|[0-9a-f]{7,40}(-dirty)?"), build.toString());
        String text = Main.version(new String[] {"--version"});
        assertTrue(text.startsWith("virtwire-forwarder " + build.version() + " (commit " + build.commit() + ")\n"), text);
        assertEquals(text, Main.version(new String[] {"--version", "--output", "text"}));
    }

    @Test
    void versionAsJsonHasExactlyVersionAndCommit() throws Exception {
        BuildInfo build = BuildInfo.current();
        for (String[] args : new String[][] {{"--version", "--output", "json"}, {"--output", "json", "--version"}}) {
            JsonNode doc = new ObjectMapper().readTree(Main.version(args));
            assertEquals(2, doc.size(), doc.toString());
            assertEquals(build.version(), doc.path("version").asText());
            assertEquals(build.commit(), doc.path("commit").asText());
        }
    }

    @Test
    void badOutputFormatOrExtraArgumentIsAUsageError() {
        Main.UsageException e = assertThrows(Main.UsageException.class, () -> Main.version(new String[] {"--version", "--output", "yaml"}));
        assertTrue(e.getMessage().contains("'yaml'") && e.getMessage().contains("text or json"), e.getMessage());
        assertThrows(Main.UsageException.class, () -> Main.version(new String[] {"--version", "--config", "x"}));
        assertThrows(Main.UsageException.class, () -> Main.version(new String[] {"--version", "--output"}));
    }

    @Test
    void unfilteredOrBlankValuesSayUnknown() {
        assertEquals(new BuildInfo("unknown", "unknown"), BuildInfo.of("${project.version}", ""));
        assertEquals(new BuildInfo("2.0.0", "abc1234"), BuildInfo.of("2.0.0", "abc1234"));
    }
}
