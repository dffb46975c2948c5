package jhmm.sim.workload;

/**
 * A 5-point stencil over a square grid of 4-byte cells: the buffer's two halves are the grids,
 * read from one and written to the other, swapped each kernel. Warp w computes rows w, w+W, ...:
 * it reads the row above, the row and the row below (the left and right neighbours are in the
 * same lines), then writes the row.
 */
final class StencilRows implements WarpStream {
    private final long src;
    private final long dst;
    private final long rowBytes;
    private final long rows;
    private final int warps;
    private long row;
    /** 0..2: the source rows above, at and below; 3: the destination row. */
    private int step;

    StencilRows(WorkloadSpec w, int kernel, int warp) {
        long half = w.footprint() / 2;
        long side = (long) Math.sqrt(half / 4.0);
        this.rowBytes = Math.max(Run.LINE, side * 4 / Run.LINE * Run.LINE);
        this.rows = half / rowBytes;
        this.src = kernel % 2 == 0 ? 0 : half;
        this.dst = kernel % 2 == 0 ? half : 0;
        this.warps = w.warps();
        this.row = warp;
    }

    @Override
    public boolean next(Run r) {
        while (row < rows) {
            int s = step;
            step = (step + 1) % 4;
            if (s == 3) {
                r.set(dst + row * rowBytes, rowBytes / Run.LINE, Run.LINE, Access.WRITE);
                row += warps;
                return true;
            }
            long at = row + s - 1;
            if (at >= 0 && at < rows) {
                r.set(src + at * rowBytes, rowBytes / Run.LINE, Run.LINE, Access.READ);
                return true;
            }
        }
        return false;
    }
}
