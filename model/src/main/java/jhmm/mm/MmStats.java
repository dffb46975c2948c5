package jhmm.mm;

import java.util.concurrent.atomic.AtomicLong;

/** Machine-wide event counters (a subset of /proc/vmstat), for reports and tests. */
public final class MmStats {
    public final AtomicLong pageFaults = new AtomicLong();
    public final AtomicLong cowCopies = new AtomicLong();
    public final AtomicLong thpFaultAlloc = new AtomicLong();
    public final AtomicLong thpFaultFallback = new AtomicLong();
    public final AtomicLong thpSplitPmd = new AtomicLong();
    public final AtomicLong thpSplitPage = new AtomicLong();
    /** Large folios queued for a deferred split on becoming partly mapped (thp_deferred_split_page). */
    public final AtomicLong thpDeferredSplitPage = new AtomicLong();
    public final AtomicLong thpCollapseAlloc = new AtomicLong();
    public final AtomicLong pswpout = new AtomicLong();
    public final AtomicLong pswpin = new AtomicLong();
    public final AtomicLong pgmigrateSuccess = new AtomicLong();
    public final AtomicLong pgmigrateFail = new AtomicLong();
    /** Migrations that failed because the page held references beyond its mappings (pins, GUP). */
    public final AtomicLong migrateBlockedByRefs = new AtomicLong();
    public final AtomicLong compactMigrated = new AtomicLong();
    public final AtomicLong compactBlocked = new AtomicLong();
    public final AtomicLong forkPinnedCopies = new AtomicLong();
}
