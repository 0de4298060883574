package io.virtwire.templates;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Validates XML against libvirt's own RNG schemas by running {@code virt-xml-validate}, the same check
 * libvirt applies with VIR_DOMAIN_DEFINE_VALIDATE. Missing tool = a loud failure naming the package.
 */
public final class VirtXmlValidator {

    /** libvirt schema names: domain, network, device (a single device, as attach-device takes) ... */
    public Result validate(String xml, String schema) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("virtwire-validate-", ".xml");
            Files.writeString(tmp, xml, StandardCharsets.UTF_8);
            Process p;
            try {
                p = new ProcessBuilder("virt-xml-validate", tmp.toString(), schema).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException("virt-xml-validate is not installed: install package libvirt-clients"
                        + " (apt-get install libvirt-clients libxml2-utils, or run ./scripts/setup)", e);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("virt-xml-validate did not finish within 60 s");
            }
            return new Result(p.exitValue() == 0, out.replace(tmp.toString(), "<xml>").strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while validating", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    public record Result(boolean valid, String output) {
    }
}
