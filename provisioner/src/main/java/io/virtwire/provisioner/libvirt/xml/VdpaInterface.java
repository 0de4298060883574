package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@code <interface type='vdpa'>}: a vhost-vdpa character device (a vDPA-capable NIC's VF) used as virtio-net. */
@XmlType(name = "vdpaInterface", propOrder = {"mac", "source", "model", "driver", "alias", "address", "any"})
public final class VdpaInterface extends TypedInterface {

    private static final Pattern VHOST_VDPA = Pattern.compile("/dev/vhost-vdpa-[0-9]+");

    @XmlElement(name = "source")
    private SourceXml source;
    @XmlElement(name = "model")
    private ModelXml model;
    @XmlElement(name = "driver")
    private DriverXml driver;

    VdpaInterface() {
        super("vdpa");
    }

    public static VdpaInterface of(MacAddress mac, String device, QueueCount queues) {
        Objects.requireNonNull(mac, "mac");
        if (device == null || !VHOST_VDPA.matcher(device).matches()) {
            throw new IllegalArgumentException("invalid vDPA device '" + device
                    + "': expected a vhost-vdpa character device like /dev/vhost-vdpa-0"
                    + " (bind the vdpa device to the vhost_vdpa driver first)");
        }
        VdpaInterface i = new VdpaInterface();
        i.setMac(mac);
        i.source = new SourceXml();
        i.source.dev = device;
        i.model = new ModelXml("virtio");
        if (queues != null) {
            i.driver = new DriverXml();
            i.driver.queues = queues.value();
        }
        return i;
    }

    public String device() {
        return source == null ? null : source.dev;
    }

    @Override
    public void setModelType(String modelType) {
        this.model = modelType == null ? null : new ModelXml(modelType);
    }

    public Optional<String> model() {
        return model == null ? Optional.empty() : Optional.ofNullable(model.type);
    }

    public Optional<QueueCount> queues() {
        return driver == null || driver.queues == null ? Optional.empty()
                : Optional.of(new QueueCount(driver.queues));
    }
}
