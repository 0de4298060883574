package io.virtwire.provisioner.host;

import java.util.Optional;

/**
 * Reads what lspci -vv shows from a function's config space (the sysfs "config" file): the capability
 * lists, ACS and SR-IOV extended capabilities, and a bridge's bus numbers. Config space is little-endian.
 * Unprivileged reads of sysfs config return only the first 64 bytes; then the capabilities are absent.
 */
public final class PciConfigSpace {

    public static final int CAP_ID_PCIE = 0x10;
    public static final int EXT_CAP_ID_AER = 0x0001;
    public static final int EXT_CAP_ID_ACS = 0x000D;
    public static final int EXT_CAP_ID_SRIOV = 0x0010;

    private final byte[] bytes;

    public PciConfigSpace(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public int u8(int offset) {
        return offset < bytes.length ? bytes[offset] & 0xFF : 0;
    }

    public int u16(int offset) {
        return u8(offset) | u8(offset + 1) << 8;
    }

    public long u32(int offset) {
        return (u16(offset) | (long) u16(offset + 2) << 16) & 0xFFFF_FFFFL;
    }

    public int vendorId() {
        return u16(0x00);
    }

    public int deviceId() {
        return u16(0x02);
    }

    /** class code as sysfs prints it: base class, subclass, prog-if. */
    public int classCode() {
        return u8(0x0B) << 16 | u8(0x0A) << 8 | u8(0x09);
    }

    public int headerType() {
        return u8(0x0E) & 0x7F;
    }

    public boolean isBridge() {
        return headerType() == 1;
    }

    /** Secondary and subordinate bus numbers of a type-1 (bridge) header. */
    public Optional<BusRange> busRange() {
        if (!isBridge() || bytes.length < 0x1B) {
            return Optional.empty();
        }
        return Optional.of(new BusRange(u8(0x19), u8(0x1A)));
    }

    /** Offset of a standard capability, walking the list from 0x34 with a loop guard. */
    public Optional<Integer> capability(int id) {
        if ((u16(0x06) & 0x10) == 0) {
            return Optional.empty();
        }
        int ptr = u8(0x34) & 0xFC;
        for (int ttl = 48; ptr >= 0x40 && ttl > 0; ttl--) {
            if (u8(ptr) == id) {
                return Optional.of(ptr);
            }
            ptr = u8(ptr + 1) & 0xFC;
        }
        return Optional.empty();
    }

    /** Offset of a PCIe extended capability (list starting at 0x100), with a loop guard. */
    public Optional<Integer> extendedCapability(int id) {
        if (bytes.length < 0x104 || capability(CAP_ID_PCIE).isEmpty()) {
            return Optional.empty();
        }
        int ptr = 0x100;
        for (int ttl = (4096 - 256) / 8; ptr >= 0x100 && ptr + 4 <= bytes.length && ttl > 0; ttl--) {
            long header = u32(ptr);
            if (header == 0 || header == 0xFFFF_FFFFL) {
                return Optional.empty();
            }
            if ((header & 0xFFFF) == id) {
                return Optional.of(ptr);
            }
            ptr = (int) (header >>> 20) & 0xFFC;
        }
        return Optional.empty();
    }

    public Optional<AcsCapability> acs() {
        return extendedCapability(EXT_CAP_ID_ACS).map(p -> new AcsCapability(p, u16(p + 4), u16(p + 6)));
    }

    public boolean hasAer() {
        return extendedCapability(EXT_CAP_ID_AER).isPresent();
    }

    /** The SR-IOV capability as lspci prints it ("Initial VFs: 8, Total VFs: 8 ... VF offset: 384, stride: 4, Device ID: 1520"). */
    public Optional<SriovCapability> sriov() {
        return extendedCapability(EXT_CAP_ID_SRIOV).map(p -> new SriovCapability(p, u16(p + 0x0C), u16(p + 0x0E), u16(p + 0x10),
                u16(p + 0x14), u16(p + 0x16), String.format("0x%04x", u16(p + 0x1A)), null));
    }
}
