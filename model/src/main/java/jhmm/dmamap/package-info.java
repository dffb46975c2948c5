/**
 * The seed's helper, "fault a range and map it for a device's DMA", four ways behind one
 * interface ({@link jhmm.dmamap.RangeDmaMapper}): as Linux 5.2 shipped it
 * ({@code hmm_range_dma_map}), as today's hmm-dma helpers do it, as the reviewer's GUP
 * pattern ({@code pin_user_pages} + {@code dma_map_sg}), and jhmm's one core that lets the
 * caller choose pin or mirror semantics. Each reports the same counters, so they can be
 * compared on one workload.
 */
package jhmm.dmamap;
