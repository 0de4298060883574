/**
 * libvirt XML as typed objects, following Nova's {@code nova/virt/libvirt/config.py} (one class per element that
 * both parses and formats) but with one Java type per interface variant instead of one flat bag of attributes.
 *
 * <p>Design choice: a domain stays a DOM {@link org.w3c.dom.Document} ({@link DomainXml}); only the elements we
 * edit ({@code <interface>}, {@code <hostdev>}, {@code <memoryBacking>}, {@code <cpu><numa>}) are unmarshalled into
 * JAXB objects, and an edited element is marshalled back into the same position. Everything else (os, features,
 * clock, disks, seclabels, foreign-namespace metadata, qemu:commandline, namespace prefixes) is never touched, so it
 * cannot be lost or reordered. Each JAXB class still carries {@code @XmlAnyElement}/{@code @XmlAnyAttribute} so that
 * the parts of a modelled element we do not know survive a parse/format round trip of that element too.
 */
@XmlAccessorType(XmlAccessType.FIELD)
package io.virtwire.provisioner.libvirt.xml;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
