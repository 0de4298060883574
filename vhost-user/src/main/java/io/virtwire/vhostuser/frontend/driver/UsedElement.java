package io.virtwire.vhostuser.frontend.driver;

/**
 * A used-ring entry as the driver reads it.
 *
 * @param id     split: the chain's head index; packed: the buffer ID
 * @param length bytes the device wrote (u32)
 */
public record UsedElement(int id, long length) {
}
