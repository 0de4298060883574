package io.virtwire.provisioner.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version and git commit this build was made from, for {@code --version}. Maven filters them into
 * build-info.properties (pom.xml: project.version, virtwire.commit); a build made without the commit (or
 * without git) says {@value #UNKNOWN}, and so does a class path without the file (an IDE run).
 * JSON shape: {@code {"version": ..., "commit": ...}}.
 */
public record BuildInfo(String version, String commit) {

    public static final String UNKNOWN = "unknown";

    /** The build's own information. */
    public static BuildInfo current() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build-info.properties")) {
            if (in == null) {
                return new BuildInfo(UNKNOWN, UNKNOWN);
            }
            Properties p = new Properties();
            p.load(in);
            return of(p.getProperty("version"), p.getProperty("commit"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build-info.properties from the jar", e);
        }
    }

    /** Blank or unfiltered values (a {@code ${...}} left by a build that did not filter) become {@value #UNKNOWN}. */
    static BuildInfo of(String version, String commit) {
        return new BuildInfo(clean(version), clean(commit));
    }

    private static String clean(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? UNKNOWN : value.strip();
    }
}
