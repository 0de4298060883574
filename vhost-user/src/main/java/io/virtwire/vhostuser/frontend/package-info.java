/**
 * A QEMU-like vhost-user front-end: {@link io.virtwire.vhostuser.frontend.Frontend} (the requests QEMU sends, with
 * NEED_REPLY), {@link io.virtwire.vhostuser.frontend.GuestRam} (memfd guest RAM at non-contiguous GPAs whose user
 * addresses differ from the GPAs), {@link io.virtwire.vhostuser.frontend.Probe} (what a back-end offers). The guest
 * driver's side of the rings is in {@code .driver}; hostile-front-end knobs are in the test-jar
 * ({@code FrontendMisbehaviour}).
 */
package io.virtwire.vhostuser.frontend;
