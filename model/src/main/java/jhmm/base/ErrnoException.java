package jhmm.base;

/**
 * A request the kernel would refuse with {@code -errno}, for the few operations that return an
 * object (fork, creating a file) rather than a number.
 */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public ErrnoException(int errno, String message) {
        super(Errno.name(errno) + ": " + message);
        this.errno = Math.abs(errno);
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }
}
