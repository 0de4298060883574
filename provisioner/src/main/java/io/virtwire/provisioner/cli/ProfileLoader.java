package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.profile.HostProfile;
import io.virtwire.provisioner.host.profile.HostProfileParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads host.yaml from a file, or stdin for "-". */
final class ProfileLoader {

    private ProfileLoader() {
    }

    static HostProfile load(Path file, CliIo io) {
        try {
            String text = file.toString().equals("-") ? new String(io.in().readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(file, StandardCharsets.UTF_8);
            return new HostProfileParser().parse(file.toString(), text);
        } catch (java.nio.file.NoSuchFileException e) {
            throw VirtwireException.notFound("profile " + file + " does not exist");
        } catch (IOException e) {
            throw VirtwireException.invalid("cannot read profile " + file + ": " + e.getMessage());
        }
    }
}
