package io.virtwire.provisioner.host;

import java.util.ArrayList;
import java.util.List;

/** Builds a 4096-byte PCIe config space the way real devices lay theirs out (as lspci -vv shows them). */
final class ConfigSpaceBuilder {

    private final byte[] b = new byte[4096];
    private final List<int[]> ext = new ArrayList<>();

    ConfigSpaceBuilder(int vendor, int device, int classCode, int revision, boolean bridge, boolean multifunction) {
        put16(0x00, vendor);
        put16(0x02, device);
        put16(0x04, 0x0406);
        put16(0x06, 0x0010);           // capabilities list present
        b[0x08] = (byte) revision;
        b[0x09] = (byte) classCode;
        b[0x0A] = (byte) (classCode >> 8);
        b[0x0B] = (byte) (classCode >> 16);
        b[0x0E] = (byte) ((bridge ? 1 : 0) | (multifunction ? 0x80 : 0));
        // Power Management at 0x40 -> MSI-X at 0x70 -> PCI Express at 0xa0 (I350/82599 put them there)
        b[0x34] = 0x40;
        b[0x40] = 0x01;
        b[0x41] = 0x70;
        b[0x70] = 0x11;
        b[0x71] = (byte) 0xa0;
        b[0xa0] = 0x10;
        b[0xa1] = 0x00;
        put16(0xa2, 0x0002 | ((bridge ? 4 : 0) << 4)); // version 2; port type endpoint or root port
    }

    ConfigSpaceBuilder busRange(int primary, int secondary, int subordinate) {
        b[0x18] = (byte) primary;
        b[0x19] = (byte) secondary;
        b[0x1A] = (byte) subordinate;
        return this;
    }

    ConfigSpaceBuilder aer(int at) {
        ext.add(new int[] {at, 0x0001, 2});
        return this;
    }

    ConfigSpaceBuilder acs(int at, int cap, int ctl) {
        ext.add(new int[] {at, 0x000D, 1});
        put16(at + 4, cap);
        put16(at + 6, ctl);
        return this;
    }

    ConfigSpaceBuilder sriov(int at, int initial, int total, int num, int offset, int stride, int vfDevice) {
        ext.add(new int[] {at, 0x0010, 1});
        put32(at + 4, 0x0000_0002);   // VF Migration- ARIHierarchy+ ... as lspci prints "IOVCap"
        put16(at + 8, num > 0 ? 0x0019 : 0x0010); // VF Enable, VF MSE when VFs exist; ARI capable hierarchy
        put16(at + 0x0C, initial);
        put16(at + 0x0E, total);
        put16(at + 0x10, num);
        put16(at + 0x14, offset);
        put16(at + 0x16, stride);
        put16(at + 0x1A, vfDevice);
        put32(at + 0x1C, 0x553);      // supported page sizes
        put32(at + 0x20, 0x1);        // system page size 4K
        return this;
    }

    ConfigSpaceBuilder dsn(int at) {
        ext.add(new int[] {at, 0x0003, 1});
        return this;
    }

    byte[] build() {
        for (int i = 0; i < ext.size(); i++) {
            int[] e = ext.get(i);
            int next = i + 1 < ext.size() ? ext.get(i + 1)[0] : 0;
            put32(e[0], e[1] | e[2] << 16 | next << 20);
        }
        return b.clone();
    }

    private void put16(int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    private void put32(int off, long v) {
        put16(off, (int) (v & 0xFFFF));
        put16(off + 2, (int) (v >>> 16 & 0xFFFF));
    }
}
