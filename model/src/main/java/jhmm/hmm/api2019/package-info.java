/**
 * The HMM API as Linux 5.2 shipped it (2019), the one the seed's {@code hmm_range_dma_map}
 * was written against: a per-mm {@link jhmm.hmm.api2019.Hmm} wrapping one classic mmu
 * notifier, mirrors with {@code sync_cpu_device_pagetables}, registered ranges with a
 * {@code valid} flag, and {@code hmm_range_snapshot} / {@code hmm_range_fault(range, block)}
 * with driver-defined entry encodings. It walks through the same page-walk core as today's
 * {@link jhmm.hmm.HmmRangeFault}; only the front end differs.
 *
 * <p>Its documented defects are reproduced on purpose, each marked "5.2 defect" where it
 * happens: the in-flight counter that leaks when a non-blockable start fails; {@code valid}
 * as a level rather than a generation (a complete invalidation between fault and check goes
 * unseen); swap and migration entries never faulted; the zero page reported as a special
 * PTE; the walk's error ignored by snapshot; PROT_NONE PTEs reported VALID; no VM_WRITE check
 * before a write fault (bounded here by {@link Hmm52#MAX_REWALKS} instead of looping forever).
 */
package jhmm.hmm.api2019;
