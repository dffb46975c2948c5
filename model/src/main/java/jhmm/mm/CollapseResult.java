package jhmm.mm;

import jhmm.base.Errno;

/**
 * How MADV_COLLAPSE ended for one PMD window (the kernel's scan results that madvise_collapse
 * tells apart): whether the window counts as huge, the errno it stands for, and whether the
 * remaining windows are still tried after it.
 */
enum CollapseResult {
    /** A new THP now maps the window. */
    SUCCEED(true, 0, true),
    /** Already mapped by a PMD: a THP or the huge zero page, left as it is. */
    PMD_MAPPED(true, 0, true),
    /** No PMD table, or a non-present PMD entry: nothing to collapse here, the next window is tried. */
    PMD_NULL(false, Errno.EINVAL, true),
    /** A PMD table without a PTE table for the window: the collapse stops. */
    PMD_NONE(false, Errno.EINVAL, false),
    /** Nothing of the shmem window is cached: nothing to collapse, and the collapse stops. */
    NO_PAGES(false, Errno.EINVAL, false),
    /** A page with extra references (a pin): may work later, the next window is tried. */
    PAGE_COUNT(false, Errno.EAGAIN, true),
    /** No memory for the THP. */
    ALLOC_FAIL(false, Errno.ENOMEM, false),
    /** Swap-in of a page failed. */
    FAIL(false, Errno.EINVAL, false);

    final boolean huge;
    final int errno;
    final boolean continues;

    CollapseResult(boolean huge, int errno, boolean continues) {
        this.huge = huge;
        this.errno = errno;
        this.continues = continues;
    }
}
