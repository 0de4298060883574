package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Option;

/** The virt-xml-style offline workflow: edit a domain XML file instead of a libvirt domain. */
public final class DomainXmlFileOptions {

    @Option(names = "--domain-xml", paramLabel = "FILE", description = "work on this domain XML file instead of a libvirt domain")
    Path file;

    @Option(names = "--in-place", description = "with --domain-xml: rewrite the file instead of printing the updated XML")
    boolean inPlace;

    boolean given() {
        return file != null;
    }

    void checkCombination(String domainArgument, ScopeOptions scope) {
        if (inPlace && file == null) {
            throw VirtwireException.invalid("--in-place needs --domain-xml FILE");
        }
        if (file == null && domainArgument == null) {
            throw VirtwireException.invalid("missing DOMAIN: name a libvirt domain, or give --domain-xml FILE");
        }
        if (file != null && scope != null && scope.anyGiven()) {
            throw VirtwireException.invalid("--config/--live/--current apply to libvirt domains; --domain-xml edits the file only");
        }
    }

    DomainXml read(String domainArgument) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw VirtwireException.notFound("domain XML file " + file + " does not exist");
        } catch (IOException e) {
            throw VirtwireException.invalid("cannot read domain XML file " + file + ": " + e.getMessage());
        }
        DomainXml domain;
        try {
            domain = DomainXml.parse(text);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(file + " is not a libvirt domain XML: " + e.getMessage());
        }
        if (domainArgument != null && !domainArgument.equals(domain.name())) {
            throw VirtwireException.invalid("DOMAIN '" + domainArgument + "' does not match the name '" + domain.name()
                    + "' in " + file + ": drop DOMAIN or fix it");
        }
        return domain;
    }

    /** Replaces the file atomically (temp file in the same directory, fsync, rename), so a crash leaves old or new. */
    void write(String xml) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.wrap(xml.getBytes(StandardCharsets.UTF_8)));
                    ch.force(true);
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }
}
