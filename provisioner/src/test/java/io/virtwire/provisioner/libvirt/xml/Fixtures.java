package io.virtwire.provisioner.libvirt.xml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.xmlunit.builder.DiffBuilder;
import org.xmlunit.diff.DefaultNodeMatcher;
import org.xmlunit.diff.Diff;
import org.xmlunit.diff.ElementSelectors;

final class Fixtures {

    static final String[] DOMAINS = {
        "q35-many-devices.xml", "numa-hugepages.xml", "foreign-namespaces.xml", "live-dump.xml"};

    private Fixtures() {
    }

    static String domain(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/domains/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /domains/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Identical documents apart from formatting whitespace and comments. */
    static Diff identical(String expected, String actual) {
        return DiffBuilder.compare(expected).withTest(actual)
                .ignoreWhitespace().ignoreComments().checkForIdentical().build();
    }

    /** Same elements and attributes; sibling order inside an element may differ (libvirt interleaves). */
    static Diff similar(String expected, String actual) {
        return DiffBuilder.compare(expected).withTest(actual)
                .ignoreWhitespace().ignoreComments()
                .withNodeMatcher(new DefaultNodeMatcher(ElementSelectors.byNameAndAllAttributes,
                        ElementSelectors.byName))
                .checkForSimilar().build();
    }
}
