package io.virtwire.provisioner.libvirt.xml;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs libvirt's own {@code virt-xml-validate} (RNG schemas of the installed libvirt) on a document. */
final class VirtXmlValidate {

    private VirtXmlValidate() {
    }

    static void assertValid(String xml, String schema) {
        Path file = null;
        try {
            file = Files.createTempFile("virtwire-" + schema + "-", ".xml");
            Files.writeString(file, xml, StandardCharsets.UTF_8);
            Process p;
            try {
                p = new ProcessBuilder("virt-xml-validate", file.toString(), schema).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("virt-xml-validate is not available: install libvirt-clients"
                        + " (virt-xml-validate) to run the libvirt schema checks", e);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("virt-xml-validate did not finish within 60 s on " + file);
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                fail("libvirt's " + schema + " schema rejects the document:\n" + output + "\n--- document ---\n" + xml);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run virt-xml-validate: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }
}
