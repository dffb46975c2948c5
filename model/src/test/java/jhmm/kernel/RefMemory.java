package jhmm.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;

/**
 * The reference model of {@link CpuSideModelPropertyTest}: per process a map from page address
 * to what the page is (private memory, or a page of a shared object) and its protection. It
 * knows nothing of frames, page tables, THP or swap: only what a program can observe.
 */
final class RefMemory {
    static final long P = PageSize.PAGE_SIZE;

    private RefMemory() {}

    enum Kind {
        /** MAP_PRIVATE | MAP_ANONYMOUS. */
        ANON,
        /** MAP_SHARED | MAP_ANONYMOUS: a shmem object of its own. */
        SHM,
        FILE_PRIVATE,
        FILE_SHARED
    }

    /** A file or a shmem object: its pages' contents, shared by every mapping of it. */
    static final class Obj {
        final String name;
        final RefContent[] pages;
        /** The model's inode, for regular files; null for shmem. */
        final FileInode inode;

        Obj(String name, int pages, Pattern initial, FileInode inode) {
            this.name = name;
            this.pages = new RefContent[pages];
            this.inode = inode;
            for (int i = 0; i < pages; i++) {
                this.pages[i] = initial == null ? RefContent.ZERO : new RefContent.Pat(initial, i * P);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** One mapped virtual page. */
    static final class Page {
        final Kind kind;
        final Obj obj;
        final long index;
        int prot;
        /**
         * Private contents (ANON always; FILE_PRIVATE once copied on write), as the candidates
         * the page may hold; null when the page reads through to {@code obj}.
         */
        List<RefContent> own;
        /** MADV_FREE'd and not written since: reclaim may still turn it into zeros. */
        boolean lazy;

        Page(Kind kind, Obj obj, long index, int prot, List<RefContent> own) {
            this.kind = kind;
            this.obj = obj;
            this.index = index;
            this.prot = prot;
            this.own = own;
        }

        Page copy() {
            Page c = new Page(kind, obj, index, prot, own);
            c.lazy = lazy;
            return c;
        }

        /** A page of the same mapping {@code k} pages further on (the tail mremap adds). */
        Page tail(long k) {
            return kind == Kind.ANON ? new Page(kind, null, 0, prot, List.of(RefContent.ZERO))
                    : new Page(kind, obj, index + k, prot, null);
        }

        boolean isPrivate() {
            return kind == Kind.ANON || kind == Kind.FILE_PRIVATE;
        }

        /** False for a page of an object beyond its end (SIGBUS). */
        boolean inBounds() {
            return own != null || index < obj.pages.length;
        }

        boolean readable() {
            return (prot & Mman.PROT_READ) != 0 && inBounds();
        }

        boolean writable() {
            return (prot & Mman.PROT_WRITE) != 0 && inBounds();
        }

        /** What a read may return now (zeros too when {@link #lazy}). */
        List<RefContent> contents() {
            return own != null ? own : List.of(obj.pages[(int) index]);
        }

        /** CPU stores over part of the page. */
        void write(int off, int len, Pattern p, long pageOrigin) {
            if (!isPrivate()) {
                obj.pages[(int) index] = obj.pages[(int) index].write(off, len, p, pageOrigin);
                return;
            }
            List<RefContent> out = new ArrayList<>();
            for (RefContent c : settled()) {
                RefContent w = c.write(off, len, p, pageOrigin);
                if (!out.contains(w)) {
                    out.add(w);
                }
            }
            own = out;
        }

        /**
         * A write fault without a store (MADV_POPULATE_WRITE): a private page gets its own copy
         * and, if lazily freed, is dirty again, so it keeps whatever it holds at this moment.
         */
        void touchForWrite() {
            if (isPrivate()) {
                own = settled();
            }
        }

        private List<RefContent> settled() {
            List<RefContent> base = new ArrayList<>(contents());
            if (lazy && !base.contains(RefContent.ZERO)) {
                base.add(RefContent.ZERO);
            }
            lazy = false;
            return base;
        }

        /**
         * Checks bytes a read returned for {@code [pageOff, pageOff+len)} and narrows the
         * candidates to those that agree; false when none does.
         */
        boolean accept(byte[] buf, int bufOff, int pageOff, int len) {
            List<RefContent> ok = new ArrayList<>();
            for (RefContent c : contents()) {
                if (c.matches(buf, bufOff, pageOff, len)) {
                    ok.add(c);
                }
            }
            if (!ok.isEmpty()) {
                if (own != null) {
                    own = ok;
                }
                return true;
            }
            if (lazy && RefContent.ZERO.matches(buf, bufOff, pageOff, len)) {
                own = List.of(RefContent.ZERO); // reclaim discarded it: zeros from now on
                lazy = false;
                return true;
            }
            return false;
        }

        @Override
        public String toString() {
            String where = obj == null ? "" : " " + obj + "[" + index + "]";
            return kind + where + " prot=" + prot + (own == null ? "" : " own=" + own) + (lazy ? " lazy" : "");
        }
    }

    /** A process of the reference: its mapped pages. */
    static final class Proc {
        final UserProcess proc;
        final TreeMap<Long, Page> pages = new TreeMap<>();

        Proc(UserProcess proc) {
            this.proc = proc;
        }

        Proc fork(UserProcess child) {
            Proc c = new Proc(child);
            pages.forEach((a, pg) -> c.pages.put(a, pg.copy()));
            return c;
        }

        String name() {
            return proc.name();
        }
    }
}
