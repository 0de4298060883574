package io.virtwire.provisioner.host;

import io.virtwire.provisioner.VirtwireException;

/** A host tool could not be run or exited non-zero; the message carries the command line and its stderr. */
public class CommandException extends VirtwireException {
    public CommandException(String message) {
        super(Kind.HOST, message);
    }
}
