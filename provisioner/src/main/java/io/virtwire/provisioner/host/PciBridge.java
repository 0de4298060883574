package io.virtwire.provisioner.host;

/** The bridge above a device: its bus range decides where VFs may go, its ACS whether devices below are isolated. */
public record PciBridge(String address, BusRange busRange, AcsCapability acs) {
}
