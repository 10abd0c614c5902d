#include "rdkit_bridge.h"
extern "C" int pb_rdkit_version_placeholder(void) { return 0; }
