#include <cblas.h>
// Debian's OpenBLAS exposes thread control only through these symbols.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The core (kernel set) a DYNAMIC_ARCH build chose at load time, e.g. "Prescott", "SkylakeX".
char *openblas_get_corename(void);
