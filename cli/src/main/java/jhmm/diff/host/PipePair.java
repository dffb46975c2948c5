package jhmm.diff.host;

/**
 * The two pipes between the JVM and one syscall server: requests flow from {@code jvmWrites}
 * to {@code serverReads}, replies from {@code serverWrites} to {@code jvmReads}.
 */
record PipePair(int serverReads, int jvmWrites, int jvmReads, int serverWrites) {}
