package io.virtwire.provisioner.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** The allocation record: everything virtwire handed out, one entry per device. Immutable; edits return a copy. */
public record AllocationRecord(int version, List<Allocation> allocations) {

    public static final int VERSION = 1;

    public AllocationRecord {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
    }

    public static AllocationRecord empty() {
        return new AllocationRecord(VERSION, List.of());
    }

    public Optional<Allocation> find(String device) {
        return allocations.stream().filter(a -> a.device().equals(device)).findFirst();
    }

    public List<Allocation> ofDomain(String domain) {
        return allocations.stream().filter(a -> a.domain().equals(domain)).toList();
    }

    public AllocationRecord with(Allocation a) {
        List<Allocation> all = new ArrayList<>(allocations);
        all.removeIf(x -> x.device().equals(a.device()));
        all.add(a);
        return new AllocationRecord(version, all);
    }

    public AllocationRecord without(String device) {
        return removeIf(a -> a.device().equals(device));
    }

    public AllocationRecord removeIf(Predicate<Allocation> p) {
        List<Allocation> all = new ArrayList<>(allocations);
        all.removeIf(p);
        return new AllocationRecord(version, all);
    }
}
