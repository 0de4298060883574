package io.virtwire.virtio.net;

/**
 * What arming a frame source's wake-up answers (a vhost-user device's kicks, a forwarder port): the one set of
 * answers every port and device uses, so a poll loop handles them all alike.
 */
public enum Wakeup {
    /** Wake-ups are on: sleep until the source's poll descriptor is readable. */
    ARMED,
    /** Work arrived while arming: do not sleep. */
    WORK_PENDING,
    /** The source cannot wake anybody (a front-end that asked to be polled, no descriptor): sleep at most a millisecond. */
    POLL
}
