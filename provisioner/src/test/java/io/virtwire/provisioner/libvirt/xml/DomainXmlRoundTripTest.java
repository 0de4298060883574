package io.virtwire.provisioner.libvirt.xml;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DomainXmlRoundTripTest {

    static String[] domains() {
        return Fixtures.DOMAINS;
    }

    @ParameterizedTest
    @MethodSource("domains")
    void parseThenWriteChangesNothing(String file) {
        String original = Fixtures.domain(file);
        String written = DomainXml.parse(original).toXml();
        var diff = Fixtures.identical(original, written);
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @ParameterizedTest
    @MethodSource("domains")
    void readingEveryModelledElementChangesNothing(String file) {
        String original = Fixtures.domain(file);
        DomainXml domain = DomainXml.parse(original);
        domain.interfaces();
        domain.hostdevs();
        domain.memoryBacking();
        domain.numa();
        domain.hasSharedMemory();
        var diff = Fixtures.identical(original, domain.toXml());
        assertFalse(diff.hasDifferences(), diff::toString);
    }

    @ParameterizedTest
    @MethodSource("domains")
    void everyInterfaceSurvivesItsOwnTypedRoundTrip(String file) {
        DomainXml domain = DomainXml.parse(Fixtures.domain(file));
        for (GuestInterface iface : domain.interfaces()) {
            String xml = iface.toXml();
            GuestInterface again = GuestInterfaces.parse(xml);
            var diff = Fixtures.identical(xml, again.toXml());
            assertFalse(diff.hasDifferences(), diff::toString);
        }
    }

    @ParameterizedTest
    @MethodSource("domains")
    void fixturesAreValidLibvirtDomains(String file) {
        VirtXmlValidate.assertValid(DomainXml.parse(Fixtures.domain(file)).toXml(), "domain");
    }
}
