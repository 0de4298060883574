package io.virtwire.memory;

/** A guest-supplied address or length that does not fit the guest's memory table. */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
