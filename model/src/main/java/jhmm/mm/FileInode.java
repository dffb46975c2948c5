package jhmm.mm;

/** A regular file with its page cache. */
public final class FileInode {
    public String name() {
        throw new UnsupportedOperationException("being written");
    }

    public long size() {
        throw new UnsupportedOperationException("being written");
    }
}
