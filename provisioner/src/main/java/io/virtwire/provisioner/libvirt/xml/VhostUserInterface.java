package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code <interface type='vhostuser'>}: virtio-net whose rings are served by a user-space backend over a UNIX
 * socket. The guest's memory must be shared for this to work (see {@link DomainXml#hasSharedMemory()}).
 */
@XmlType(name = "vhostUserInterface",
        propOrder = {"mac", "source", "model", "driver", "mtu", "alias", "address", "any"})
public final class VhostUserInterface extends TypedInterface {

    /** QEMU's role on the socket: CLIENT means QEMU connects and the backend listens. */
    public enum Mode {
        CLIENT, SERVER;

        public String libvirtName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Mode fromLibvirt(String text) {
            for (Mode m : values()) {
                if (m.libvirtName().equals(text)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("invalid vhost-user mode '" + text + "': expected client or server");
        }
    }

    /** libvirt accepts virtio ring sizes that are powers of two in this range. */
    static final int MIN_RING = 256;
    static final int MAX_RING = 1024;

    @XmlElement(name = "source")
    private SourceXml source;
    @XmlElement(name = "model")
    private ModelXml model;
    @XmlElement(name = "driver")
    private DriverXml driver;
    @XmlElement(name = "mtu")
    private MtuXml mtu;

    VhostUserInterface() {
        super("vhostuser");
    }

    public static VhostUserInterface of(MacAddress mac, UnixSocketPath socket, Mode mode, QueueCount queues) {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(mode, "mode");
        VhostUserInterface i = new VhostUserInterface();
        i.setMac(mac);
        i.source = new SourceXml();
        i.source.type = "unix";
        i.source.path = socket.value();
        i.source.mode = mode.libvirtName();
        i.model = new ModelXml("virtio");
        if (queues != null) {
            i.driver().queues = queues.value();
        }
        return i;
    }

    private DriverXml driver() {
        if (driver == null) {
            driver = new DriverXml();
        }
        return driver;
    }

    public UnixSocketPath socketPath() {
        if (source == null || source.path == null) {
            throw new IllegalStateException("vhostuser interface has no <source path=...>");
        }
        return new UnixSocketPath(source.path);
    }

    public Mode mode() {
        return Mode.fromLibvirt(source == null ? null : source.mode);
    }

    /** QEMU reconnects to a restarted backend after {@code timeoutSeconds}; only meaningful when QEMU is client. */
    public VhostUserInterface withReconnect(int timeoutSeconds) {
        if (mode() != Mode.CLIENT) {
            throw new IllegalArgumentException("reconnect needs mode client (QEMU connects to the backend);"
                    + " this interface has mode " + mode().libvirtName());
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("invalid reconnect timeout " + timeoutSeconds
                    + ": expected at least 1 second");
        }
        ReconnectXml r = new ReconnectXml();
        r.enabled = "yes";
        r.timeout = timeoutSeconds;
        source.reconnect = r;
        return this;
    }

    public Optional<Integer> reconnectTimeout() {
        return source == null || source.reconnect == null || !"yes".equals(source.reconnect.enabled)
                ? Optional.empty() : Optional.ofNullable(source.reconnect.timeout);
    }

    public Optional<QueueCount> queues() {
        return driver == null || driver.queues == null ? Optional.empty()
                : Optional.of(new QueueCount(driver.queues));
    }

    public VhostUserInterface withRingSizes(Integer rx, Integer tx) {
        driver().rxQueueSize = checkRing("rx_queue_size", rx);
        driver().txQueueSize = checkRing("tx_queue_size", tx);
        return this;
    }

    private static Integer checkRing(String name, Integer size) {
        if (size != null && (size < MIN_RING || size > MAX_RING || Integer.bitCount(size) != 1)) {
            throw new IllegalArgumentException("invalid " + name + " " + size + ": expected a power of two in "
                    + MIN_RING + ".." + MAX_RING);
        }
        return size;
    }

    public Optional<Integer> rxQueueSize() {
        return driver == null ? Optional.empty() : Optional.ofNullable(driver.rxQueueSize);
    }

    public Optional<Integer> txQueueSize() {
        return driver == null ? Optional.empty() : Optional.ofNullable(driver.txQueueSize);
    }

    /** Host-side offload switches ({@code <driver><host .../>}), created on first use. */
    public OffloadsXml hostOffloads() {
        if (driver().host == null) {
            driver().host = new OffloadsXml();
        }
        return driver().host;
    }

    /** Guest-side offload switches ({@code <driver><guest .../>}), created on first use. */
    public OffloadsXml guestOffloads() {
        if (driver().guest == null) {
            driver().guest = new OffloadsXml();
        }
        return driver().guest;
    }

    public VhostUserInterface withMtu(int bytes) {
        if (bytes < 68 || bytes > 65535) {
            throw new IllegalArgumentException("invalid MTU " + bytes + ": expected 68..65535 (68 is the IPv4 minimum)");
        }
        MtuXml m = new MtuXml();
        m.size = bytes;
        this.mtu = m;
        return this;
    }

    public Optional<Integer> mtu() {
        return mtu == null ? Optional.empty() : Optional.ofNullable(mtu.size);
    }

    @Override
    public void setModelType(String modelType) {
        this.model = modelType == null ? null : new ModelXml(modelType);
    }

    public Optional<String> model() {
        return model == null ? Optional.empty() : Optional.ofNullable(model.type);
    }
}
