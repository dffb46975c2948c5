package jhmm.diff;

import jhmm.scenario.SizeWords;

/**
 * What the generator believes about a named mapping: its size if every call succeeded, the
 * smallest size it can have if some failed (a partial munmap from offset 0 must stay below it,
 * or the runner would forget the name while the parser keeps it), and its last whole protection.
 */
record MappingShape(long size, long minSize, String prot) {
    MappingShape resized(long newSize) {
        return new MappingShape(newSize, Math.min(minSize, newSize), prot);
    }

    MappingShape protectedAs(String newProt) {
        return new MappingShape(size, minSize, newProt);
    }

    long pages() {
        return (size + SizeWords.PAGE - 1) / SizeWords.PAGE;
    }
}
