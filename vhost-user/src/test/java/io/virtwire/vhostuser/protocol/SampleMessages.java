package io.virtwire.vhostuser.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** Valid messages for every supported request: fixed edge cases, and random ones from a seeded generator. */
final class SampleMessages {

    private SampleMessages() {
    }

    /** At least one message per supported request, including boundary values. */
    static List<FrontendMessage> edgeCases() {
        List<FrontendMessage> m = new ArrayList<>();
        for (FrontendRequest r : FrontendRequest.values()) {
            if (r.payload() == PayloadKind.EMPTY) {
                m.add(new Empty(r));
            }
        }
        m.add(new U64(FrontendRequest.SET_FEATURES, 0));
        m.add(new U64(FrontendRequest.SET_FEATURES, -1L));
        m.add(new U64(FrontendRequest.SET_PROTOCOL_FEATURES, Frames.ALL_FEATURES));
        m.add(new VringState(FrontendRequest.SET_VRING_NUM, 0, 1));
        m.add(new VringState(FrontendRequest.SET_VRING_NUM, 255, 32768));
        m.add(new VringState(FrontendRequest.SET_VRING_BASE, 3, 0xFFFF_FFFFL));
        m.add(new VringState(FrontendRequest.GET_VRING_BASE, 1, 0));
        m.add(new VringState(FrontendRequest.SET_VRING_ENABLE, 0, 0));
        m.add(new VringState(FrontendRequest.SET_VRING_ENABLE, 1, 1));
        m.add(new VringAddr(0, 0, 0, 0, 0, 0));
        m.add(new VringAddr(255, VringAddr.F_LOG, -16L, -4L, -2L, -1L));
        m.add(new VringFile(FrontendRequest.SET_VRING_KICK, 0, false));
        m.add(new VringFile(FrontendRequest.SET_VRING_KICK, 255, true));
        m.add(new VringFile(FrontendRequest.SET_VRING_CALL, 7, true));
        m.add(new VringFile(FrontendRequest.SET_VRING_ERR, 7, false));
        List<MemoryRegionDesc> eight = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            eight.add(new MemoryRegionDesc(i * 0x1_0000_0000L, 0x1000_0000L, 0x7f00_0000_0000L + i * 0x1_0000_0000L, i * 0x1000L));
        }
        m.add(new MemoryTable(eight));
        m.add(new MemoryTable(List.of(new MemoryRegionDesc(-0x1000L, 0x1000, -0x1000L, -0x1000L))));
        m.add(new SingleMemoryRegion(FrontendRequest.ADD_MEM_REG, new MemoryRegionDesc(0x1000, 0x1000, 0x1000, 0)));
        m.add(new SingleMemoryRegion(FrontendRequest.REM_MEM_REG, new MemoryRegionDesc(0x1000, 0x1000, 0x1000, -1L)));
        m.add(new LogBase(1, 0));
        m.add(new LogBase(0x1000, -0x1000L));
        m.add(new IotlbMsg(0x1000, 0x1000, 0x2000, IotlbMsg.Permission.READ, IotlbMsg.Type.UPDATE));
        m.add(new IotlbMsg(0, 0, 0, IotlbMsg.Permission.NONE, IotlbMsg.Type.INVALIDATE));
        m.add(new ConfigSpace(FrontendRequest.GET_CONFIG, 0, 0, new byte[1]));
        m.add(new ConfigSpace(FrontendRequest.SET_CONFIG, 0, 1, new byte[256]));
        m.add(new ConfigSpace(FrontendRequest.SET_CONFIG, 255, 0, new byte[]{(byte) 0xff}));
        m.add(new InflightDesc(FrontendRequest.GET_INFLIGHT_FD, 0, 0, 1, 1));
        m.add(new InflightDesc(FrontendRequest.SET_INFLIGHT_FD, 0x1000, 0x2000, 256, 32768));
        m.add(new DeviceStatus(0));
        m.add(new DeviceStatus(0xFF));
        m.add(new SendRarp(0));
        m.add(new SendRarp(0xFFFF_FFFF_FFFFL));
        m.add(new NetMtu(68));
        m.add(new NetMtu(65535));
        return m;
    }

    /** A random valid message; every supported request is reachable. */
    static FrontendMessage random(SplittableRandom rnd) {
        List<FrontendRequest> supported = supported();
        FrontendRequest r = supported.get(rnd.nextInt(supported.size()));
        int index = rnd.nextInt(WireLimits.MAX_VRINGS);
        return switch (r.payload()) {
            case EMPTY -> new Empty(r);
            case VRING_STATE -> new VringState(r, index, switch (r) {
                case SET_VRING_NUM -> 1 + rnd.nextInt(WireLimits.MAX_QUEUE_SIZE);
                case GET_VRING_BASE -> 0;
                case SET_VRING_ENABLE -> rnd.nextInt(2);
                default -> rnd.nextLong(0x1_0000_0000L);
            });
            case VRING_ADDR -> new VringAddr(index, rnd.nextInt(2), rnd.nextLong() & ~0xFL, rnd.nextLong() & ~0x3L,
                    rnd.nextLong() & ~0x1L, rnd.nextLong());
            case MEMORY_REGIONS -> {
                int n = 1 + rnd.nextInt(WireLimits.MAX_MEM_TABLE_REGIONS);
                List<MemoryRegionDesc> regions = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    // disjoint 1 TiB slots so regions never overlap
                    long size = 1 + rnd.nextLong(1L << 40);
                    regions.add(new MemoryRegionDesc((long) i << 40, size, rnd.nextLong(1L << 62), rnd.nextLong(1L << 62)));
                }
                yield new MemoryTable(regions);
            }
            case SINGLE_MEMORY_REGION -> new SingleMemoryRegion(r,
                    new MemoryRegionDesc(rnd.nextLong(1L << 62), 1 + rnd.nextLong(1L << 40), rnd.nextLong(1L << 62),
                            rnd.nextLong(1L << 62)));
            case LOG -> new LogBase(1 + rnd.nextLong(1L << 40), rnd.nextLong(1L << 62));
            case IOTLB -> rnd.nextBoolean()
                    ? new IotlbMsg(rnd.nextLong(1L << 62), 1 + rnd.nextLong(1L << 40), rnd.nextLong(1L << 62),
                    IotlbMsg.Permission.values()[rnd.nextInt(4)], IotlbMsg.Type.UPDATE)
                    : new IotlbMsg(rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), IotlbMsg.Permission.values()[rnd.nextInt(4)],
                    IotlbMsg.Type.INVALIDATE);
            case CONFIG -> {
                int size = 1 + rnd.nextInt(WireLimits.MAX_CONFIG_SIZE);
                byte[] contents = new byte[size];
                new Random(rnd.nextLong()).nextBytes(contents);
                yield new ConfigSpace(r, rnd.nextInt(WireLimits.MAX_CONFIG_SIZE - size + 1), rnd.nextInt(2), contents);
            }
            case INFLIGHT -> new InflightDesc(r, 1 + rnd.nextLong(1L << 40), rnd.nextLong(1L << 62),
                    1 + rnd.nextInt(WireLimits.MAX_VRINGS), 1 + rnd.nextInt(WireLimits.MAX_QUEUE_SIZE));
            case U64 -> switch (r) {
                case SET_FEATURES, SET_PROTOCOL_FEATURES -> new U64(r, rnd.nextLong());
                case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> new VringFile(r, index, rnd.nextBoolean());
                case SEND_RARP -> new SendRarp(rnd.nextLong(1L << 48));
                case NET_SET_MTU -> new NetMtu(WireLimits.MIN_MTU + rnd.nextInt(WireLimits.MAX_MTU - WireLimits.MIN_MTU + 1));
                case SET_STATUS -> new DeviceStatus(rnd.nextInt(256));
                default -> throw new IllegalStateException(r.name());
            };
            case UNSUPPORTED -> throw new IllegalStateException(r.name());
        };
    }

    static List<FrontendRequest> supported() {
        List<FrontendRequest> list = new ArrayList<>();
        for (FrontendRequest r : FrontendRequest.values()) {
            if (r.isSupported()) {
                list.add(r);
            }
        }
        return list;
    }
}
