package io.virtwire.templates;

import java.io.StringReader;
import java.io.StringWriter;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Fills a template with {@link DomainParameters} by editing its DOM: values are set as element text and
 * attributes, never spliced into strings, so a name like {@code a<b} cannot break the document.
 */
public final class DomainTemplateRenderer {

    public String render(DomainTemplate template, DomainParameters p) {
        Document doc = parse(template.xml());
        Element domain = doc.getDocumentElement();
        domain.setAttribute("type", p.virtType());
        text(child(domain, "name"), p.name());

        Element memory = child(domain, "memory");
        memory.setAttribute("unit", "KiB");
        text(memory, Long.toString(p.memoryKiB()));
        text(child(domain, "vcpu"), Integer.toString(p.vcpus()));
        resizeNumaCell(domain, p);

        Element os = child(domain, "os");
        Element devices = child(domain, "devices");
        switch (p.boot()) {
            case DomainParameters.Boot.Kernel k -> {
                appendText(os, "kernel", k.kernel());
                k.initrd().ifPresent(i -> appendText(os, "initrd", i));
                k.cmdline().ifPresent(c -> appendText(os, "cmdline", c));
            }
            case DomainParameters.Boot.Disk d -> {
                Element disk = doc.createElement("disk");
                disk.setAttribute("type", "file");
                disk.setAttribute("device", "disk");
                Element driver = doc.createElement("driver");
                driver.setAttribute("name", "qemu");
                driver.setAttribute("type", d.path().endsWith(".qcow2") ? "qcow2" : "raw");
                Element source = doc.createElement("source");
                source.setAttribute("file", d.path());
                Element target = doc.createElement("target");
                target.setAttribute("dev", "vda");
                target.setAttribute("bus", "virtio");
                disk.appendChild(driver);
                disk.appendChild(source);
                disk.appendChild(target);
                devices.insertBefore(disk, devices.getFirstChild());
                Element bootDev = doc.createElement("boot");
                bootDev.setAttribute("dev", "hd");
                os.appendChild(bootDev);
            }
            case DomainParameters.Boot.None n -> {
            }
        }
        p.serialLog().ifPresent(path -> logSerialToFile(devices, path));
        return write(doc);
    }

    /** A one-cell NUMA layout must cover all vCPUs and all memory, or libvirt refuses the definition. */
    private static void resizeNumaCell(Element domain, DomainParameters p) {
        NodeList cells = domain.getElementsByTagName("cell");
        if (cells.getLength() == 1) {
            Element cell = (Element) cells.item(0);
            cell.setAttribute("cpus", p.vcpus() == 1 ? "0" : "0-" + (p.vcpus() - 1));
            cell.setAttribute("memory", Long.toString(p.memoryKiB()));
            cell.setAttribute("unit", "KiB");
        }
    }

    private static void logSerialToFile(Element devices, String path) {
        for (Element serial : children(devices, "serial")) {
            serial.setAttribute("type", "file");
            Element source = devices.getOwnerDocument().createElement("source");
            source.setAttribute("path", path);
            serial.insertBefore(source, serial.getFirstChild());
        }
        for (Element console : children(devices, "console")) {
            console.setAttribute("type", "file");
            Element source = devices.getOwnerDocument().createElement("source");
            source.setAttribute("path", path);
            console.insertBefore(source, console.getFirstChild());
        }
    }

    private static java.util.List<Element> children(Element parent, String name) {
        java.util.List<Element> out = new java.util.ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        java.util.List<Element> found = children(parent, name);
        if (found.isEmpty()) {
            throw new IllegalStateException("template has no <" + name + "> under <" + parent.getTagName() + ">");
        }
        return found.get(0);
    }

    private static void text(Element e, String value) {
        e.setTextContent(value);
    }

    private static void appendText(Element parent, String name, String value) {
        Element e = parent.getOwnerDocument().createElement(name);
        e.setTextContent(value);
        parent.appendChild(e);
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new IllegalStateException("bundled template is not well-formed XML: " + e.getMessage(), e);
        }
    }

    private static String write(Document doc) {
        try {
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "no");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc.getDocumentElement()), new StreamResult(w));
            return w.toString() + "\n";
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise domain XML: " + e.getMessage(), e);
        }
    }
}
