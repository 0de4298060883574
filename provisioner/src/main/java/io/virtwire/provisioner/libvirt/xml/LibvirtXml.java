package io.virtwire.provisioner.libvirt.xml;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBElement;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/** DOM parsing/serialising and the JAXB context shared by the libvirt XML classes. */
public final class LibvirtXml {

    private LibvirtXml() {
    }

    /**
     * The JAXB context, created on the first (un)marshal, not when this class loads: a read-only call such as
     * {@code virtwire domiflist} parses with DOM only (nic.InterfaceRows) and skips its 60-100 ms (docs/benchmarks.md).
     */
    private static final class Jaxb {
        static final JAXBContext CONTEXT = createContext();
    }

    private static JAXBContext createContext() {
        try {
            return JAXBContext.newInstance(HostdevInterface.class, VdpaInterface.class, VhostUserInterface.class,
                    NetworkInterface.class, PciHostdev.class, MemoryBacking.class, Numa.class, HostdevNetwork.class);
        } catch (JAXBException e) {
            throw new IllegalStateException("libvirt XML bindings are inconsistent: " + e, e);
        }
    }

    /** Parses XML into a namespace-aware DOM; DTDs are refused (libvirt never emits them, XXE stays impossible). */
    public static Document parseDocument(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e; // reported through the exception, not on stderr
                }
            });
            return b.parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not well-formed XML: " + e.getMessage(), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    static Document newDocument() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            return f.newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Serialises a node exactly as it is in the DOM (no re-indentation, no XML declaration). */
    public static String toXml(Node node) {
        try {
            Transformer t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "no");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(node), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialise XML: " + e, e);
        }
    }

    /** Writes a JAXB object as element {@code rootName}, indented, without XML declaration. */
    static String marshal(Object value, String rootName) {
        try {
            Marshaller m = Jaxb.CONTEXT.createMarshaller();
            m.setProperty(Marshaller.JAXB_FORMATTED_OUTPUT, Boolean.TRUE);
            m.setProperty(Marshaller.JAXB_FRAGMENT, Boolean.TRUE);
            // libvirt indents by two spaces; matching it keeps inserted devices in step with their neighbours
            m.setProperty("org.glassfish.jaxb.indentString", "  ");
            StringWriter out = new StringWriter();
            m.marshal(element(value, rootName), out);
            return out.toString().strip() + "\n";
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot write <" + rootName + ">: " + e, e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static JAXBElement<?> element(Object value, String rootName) {
        return new JAXBElement(new QName(rootName), value.getClass(), value);
    }

    /**
     * Marshals a JAXB object into an element owned by {@code owner}, indented as if it were nested at
     * {@code indent} (the whitespace that precedes its siblings), so that an edited domain stays readable.
     */
    static Element marshalInto(Object value, String rootName, Document owner, String indent) {
        Element fresh = parseDocument(marshal(value, rootName)).getDocumentElement();
        Element imported = (Element) owner.importNode(fresh, true);
        reindent(imported, indent);
        return imported;
    }

    private static void reindent(Node node, String indent) {
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.TEXT_NODE && c.getNodeValue().isBlank() && c.getNodeValue().contains("\n")) {
                c.setNodeValue(c.getNodeValue().replace("\n", "\n" + indent));
            } else if (c.getNodeType() == Node.ELEMENT_NODE) {
                reindent(c, indent);
            }
        }
    }

    static <T> T unmarshal(Element element, Class<T> type) {
        try {
            var u = Jaxb.CONTEXT.createUnmarshaller();
            // JAXB's default silently drops values it cannot convert (queues='many' -> null), which would then be
            // lost when the element is written back; refuse instead
            u.setEventHandler(event -> false);
            return u.unmarshal(element, type).getValue();
        } catch (JAXBException | RuntimeException e) {
            Throwable cause = e instanceof JAXBException j && j.getLinkedException() != null
                    ? j.getLinkedException() : e;
            throw new IllegalArgumentException("cannot read <" + element.getTagName() + ">: "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()), e);
        }
    }

    static String attr(Element e, String name) {
        return e.hasAttribute(name) ? e.getAttribute(name) : null;
    }

    static Element firstChild(Element parent, String localName) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getNamespaceURI() == null && localName.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }
}
