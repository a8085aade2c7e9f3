// The thread count of the BLAS that is loaded. valor's matrices are small and the machines have
// few cores, so every binary runs BLAS on one thread unless told otherwise (docs/design.md,
// Conventions); parallelism goes across runs, seeds or environments instead.
#pragma once

namespace valor {

// Calls OpenBLAS's openblas_set_num_threads(threads) when OpenBLAS is loaded; returns whether it
// was (the reference BLAS is single-threaded anyway). valor::Error for threads < 1.
bool set_blas_threads(int threads);

}  // namespace valor
