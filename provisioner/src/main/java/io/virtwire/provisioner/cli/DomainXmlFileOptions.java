package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
            throw VirtwireException.invalid("cannot read domain XML file " + file + ": " + InPlaceFile.reason(e));
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

    /**
     * Replaces the file as {@code sed -i --follow-symlinks} does (see {@link InPlaceFile}): atomically, through a
     * symlink, keeping owner, group, mode and ACL; failures carry the errno text.
     */
    void write(String xml) {
        InPlaceFile.rewrite(file, xml.getBytes(StandardCharsets.UTF_8));
    }
}
