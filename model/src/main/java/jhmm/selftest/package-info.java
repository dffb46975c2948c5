/**
 * Procedures of the kernel's mm selftests that measure rather than assert, ported to the
 * model so that the JMH benchmarks ({@code bench/}) and {@code jhmm bench} run the same code:
 * {@link jhmm.selftest.ThpMigrationRun} is hmm-tests.c's {@code benchmark_thp_migration}.
 */
package jhmm.selftest;
