package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code virtwire --version}: the version and the git commit of the build (and the Java runtime, in text), or
 * {@code {"version": ..., "commit": ...}} with {@code --output json}. picocli parses every option before it
 * prints the version, so {@code --output json} counts wherever it stands.
 */
final class VersionProvider implements IVersionProvider {

    private final GlobalOptions globals;
    private final Provider<ObjectMapper> json;   // built only for --output json

    @Inject
    VersionProvider(GlobalOptions globals, Provider<ObjectMapper> json) {
        this.globals = globals;
        this.json = json;
    }

    @Override
    public String[] getVersion() throws Exception {
        BuildInfo build = BuildInfo.current();
        if (globals.json()) {
            return new String[] {json.get().writeValueAsString(build)};
        }
        return new String[] {"virtwire " + build.version() + " (commit " + build.commit() + ")",
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
