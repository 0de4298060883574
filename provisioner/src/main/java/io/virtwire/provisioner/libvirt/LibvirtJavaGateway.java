package io.virtwire.provisioner.libvirt;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.VirtwireException.Kind;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.jna.Libvirt;

/** The only class that talks to libvirt-java (and through it, JNA and libvirt.so). */
public final class LibvirtJavaGateway implements LibvirtGateway {

    /** VIR_DOMAIN_XML_INACTIVE: the persistent definition rather than the running state. */
    private static final int XML_INACTIVE = 2;

    /**
     * libvirt's default error handler prints every error to stderr ("libvirt: Test Driver error : ...");
     * we report errors ourselves, once, with context. Held in a static so JNA keeps the callback alive.
     */
    private static final Libvirt.VirErrorCallback QUIET = (userData, error) -> { };

    private final Connect connect;
    private final String uri;

    private LibvirtJavaGateway(Connect connect, String uri) {
        this.connect = connect;
        this.uri = uri;
    }

    public static LibvirtJavaGateway open(String uri) {
        try {
            Connect.setErrorCallback(QUIET);
            return new LibvirtJavaGateway(new Connect(uri, false), uri);
        } catch (LibvirtException e) {
            throw new VirtwireException(Kind.LIBVIRT, "cannot connect to libvirt at '" + uri + "': " + message(e)
                    + hintFor(uri), e);
        } catch (UnsatisfiedLinkError e) {
            throw new VirtwireException(Kind.UNAVAILABLE, "cannot load libvirt's client library (libvirt.so.0): "
                    + e.getMessage() + "; install it with 'apt-get install libvirt0' (or run ./scripts/setup)", e);
        }
    }

    private static String hintFor(String uri) {
        if (uri.startsWith("qemu:///system")) {
            return " (is libvirtd running? start it with 'systemctl start libvirtd', or 'virtlogd -d && libvirtd -d' without systemd;"
                    + " or pick another URI with -c, e.g. -c test:///default)";
        }
        return "";
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public DomainState domain(String name) {
        Domain d = lookup(name);
        try {
            return new DomainState(d.getName(), d.getUUIDString(), d.isActive() == 1, d.isPersistent() == 1);
        } catch (LibvirtException e) {
            throw failure("read state of domain '" + name + "'", e);
        }
    }

    @Override
    public List<String> domainNames() {
        try {
            List<String> names = new ArrayList<>();
            for (int id : connect.listDomains()) {
                try {
                    names.add(connect.domainLookupByID(id).getName());
                } catch (LibvirtException e) {
                    // a domain that stopped between the listing and the lookup: transient ones are gone, persistent
                    // ones show up in listDefinedDomains below
                    if (code(e) != ErrorNumber.VIR_ERR_NO_DOMAIN) {
                        throw e;
                    }
                }
            }
            for (String defined : connect.listDefinedDomains()) {
                if (!names.contains(defined)) {
                    names.add(defined);
                }
            }
            return names;
        } catch (LibvirtException e) {
            throw failure("list domains", e);
        }
    }

    @Override
    public String domainXml(String name, boolean inactive) {
        try {
            return lookup(name).getXMLDesc(inactive ? XML_INACTIVE : 0);
        } catch (LibvirtException e) {
            throw failure("read XML of domain '" + name + "'", e);
        }
    }

    @Override
    public String defineDomain(String xml) {
        try {
            return connect.domainDefineXML(xml).getName();
        } catch (LibvirtException e) {
            throw failure("define domain", e);
        }
    }

    @Override
    public void attachDevice(String domain, String deviceXml, DeviceScope scope) {
        try {
            lookup(domain).attachDeviceFlags(deviceXml, scope.flags());
        } catch (LibvirtException e) {
            throw failure("attach device to domain '" + domain + "' (" + scope + ")", e);
        }
    }

    @Override
    public void detachDevice(String domain, String deviceXml, DeviceScope scope) {
        try {
            lookup(domain).detachDeviceFlags(deviceXml, scope.flags());
        } catch (LibvirtException e) {
            throw failure("detach device from domain '" + domain + "' (" + scope + ")", e);
        }
    }

    @Override
    public void updateDevice(String domain, String deviceXml, DeviceScope scope) {
        try {
            lookup(domain).updateDeviceFlags(deviceXml, scope.flags());
        } catch (LibvirtException e) {
            throw failure("update a device of domain '" + domain + "' (" + scope + ")", e);
        }
    }

    @Override
    public void start(String domain) {
        try {
            lookup(domain).create();
        } catch (LibvirtException e) {
            throw failure("start domain '" + domain + "'", e);
        }
    }

    @Override
    public void destroy(String domain) {
        try {
            lookup(domain).destroy();
        } catch (LibvirtException e) {
            throw failure("destroy domain '" + domain + "'", e);
        }
    }

    @Override
    public void undefine(String domain) {
        try {
            lookup(domain).undefine();
        } catch (LibvirtException e) {
            throw failure("undefine domain '" + domain + "'", e);
        }
    }

    @Override
    public String defineNetwork(String xml) {
        try {
            return connect.networkDefineXML(xml).getName();
        } catch (LibvirtException e) {
            throw failure("define network", e);
        }
    }

    @Override
    public String networkXml(String name) {
        try {
            Network n = connect.networkLookupByName(name);
            return n.getXMLDesc(0);
        } catch (LibvirtException e) {
            if (code(e) == ErrorNumber.VIR_ERR_NO_NETWORK) {
                throw VirtwireException.notFound("no network named '" + name + "' on " + uri + " (list them with 'virsh -c " + uri + " net-list --all')");
            }
            throw failure("read network '" + name + "'", e);
        }
    }

    @Override
    public void close() {
        try {
            connect.close();
        } catch (LibvirtException e) {
            // closing a connection that libvirt already dropped is not worth failing a command for
        }
    }

    private Domain lookup(String name) {
        try {
            return connect.domainLookupByName(name);
        } catch (LibvirtException e) {
            if (code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                throw VirtwireException.notFound("no domain named '" + name + "' on " + uri
                        + " (list them with 'virsh -c " + uri + " list --all')");
            }
            throw failure("look up domain '" + name + "'", e);
        }
    }

    private static ErrorNumber code(LibvirtException e) {
        return e.getError() == null ? null : e.getError().getCode();
    }

    private static String message(LibvirtException e) {
        return e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : String.valueOf(e.getMessage());
    }

    private VirtwireException failure(String what, LibvirtException e) {
        ErrorNumber code = code(e);
        String text = "libvirt could not " + what + ": " + message(e);
        if (code == ErrorNumber.VIR_ERR_NO_SUPPORT || code == ErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED) {
            return new LibvirtUnsupportedException(text);
        }
        if (code == ErrorNumber.VIR_ERR_NO_DOMAIN) {
            return new VirtwireException(Kind.NOT_FOUND, text, e);
        }
        if (code == ErrorNumber.VIR_ERR_OPERATION_INVALID) {
            return new VirtwireException(Kind.CONFLICT, text, e);
        }
        return new VirtwireException(Kind.LIBVIRT, text, e);
    }
}
