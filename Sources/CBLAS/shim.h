// OpenBLAS CBLAS interface (Debian libopenblas-dev).
#include <cblas.h>
