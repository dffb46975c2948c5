package jhmm.sim.workload;

/**
 * C = A x B over three n x n matrices of 4-byte cells (the buffer's thirds), in 32 x 32 tiles
 * (32 rows of one 128-byte line). Tile (i, j) of C belongs to warp (i * t + j) mod W; for it the
 * warp reads tile (i, k) of A and tile (k, j) of B for every k, then writes the C tile.
 */
final class MatmulTiles implements WarpStream {
    private static final int TILE = Run.LINE / 4;

    private final long rowBytes;
    private final long tiles;
    private final long a;
    private final long b;
    private final long c;
    private final int warps;
    private long tile;
    private long k;
    /** 0: A's tile, 1: B's tile, 2: C's tile (after the last k). */
    private int step;

    MatmulTiles(WorkloadSpec w, int warp) {
        long third = w.footprint() / 3 / Run.LINE * Run.LINE;
        long side = (long) Math.sqrt(third / 4.0) / TILE * TILE;
        this.rowBytes = side * 4;
        this.tiles = side / TILE;
        this.a = 0;
        this.b = third;
        this.c = 2 * third;
        this.warps = w.warps();
        this.tile = warp;
    }

    @Override
    public boolean next(Run r) {
        if (tile >= tiles * tiles) {
            return false;
        }
        long i = tile / tiles;
        long j = tile % tiles;
        switch (step) {
            case 0 -> {
                r.set(a + i * TILE * rowBytes + k * Run.LINE, TILE, rowBytes, Access.READ);
                step = 1;
            }
            case 1 -> {
                r.set(b + k * TILE * rowBytes + j * Run.LINE, TILE, rowBytes, Access.READ);
                k++;
                step = k == tiles ? 2 : 0;
            }
            default -> {
                r.set(c + i * TILE * rowBytes + j * Run.LINE, TILE, rowBytes, Access.WRITE);
                tile += warps;
                k = 0;
                step = 0;
            }
        }
        return true;
    }
}
