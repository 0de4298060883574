package io.virtwire.provisioner.model;

/**
 * Number of virtio-net queue pairs ({@code <driver queues='N'/>}). Zero would make a device without rings; the
 * upper bound of 256 is the kernel's tap/macvtap queue limit (MAX_TAP_QUEUES), which we apply to every interface
 * kind so that a configuration stays portable between vhost-user, vDPA and kernel backends.
 */
public record QueueCount(int value) {

    public static final int MAX = 256;

    public QueueCount {
        if (value < 1 || value > MAX) {
            throw new IllegalArgumentException("invalid queue count " + value + ": expected 1.." + MAX);
        }
    }

    public static QueueCount parse(String text) {
        try {
            return new QueueCount(Integer.parseInt(text.strip()));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("invalid queue count '" + text + "': expected a number 1.." + MAX, e);
        }
    }
}
