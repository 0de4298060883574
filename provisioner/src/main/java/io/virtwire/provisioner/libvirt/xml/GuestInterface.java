package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import java.util.Optional;

/**
 * A domain {@code <interface>}: one type per variant we configure, plus {@link OtherInterface} for every other
 * type (bridge, user, direct, ...), which is kept as the original DOM element so it round-trips unchanged.
 */
public sealed interface GuestInterface permits TypedInterface, OtherInterface {

    /** libvirt's {@code type} attribute: hostdev, vdpa, vhostuser, network, bridge, ... */
    String type();

    Optional<MacAddress> mac();

    /** Alias libvirt assigned (net0, hostdev0) or the user set (ua-...), if present. */
    Optional<String> alias();

    /** The device XML, as {@code virsh attach-device} / {@code virDomainAttachDeviceFlags} take it. */
    String toXml();
}
