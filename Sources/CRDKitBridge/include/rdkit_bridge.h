#pragma once
// extern "C" API over RDKit; implemented in rdkit_bridge.cpp.
#ifdef __cplusplus
extern "C" {
#endif
int pb_rdkit_version_placeholder(void);
#ifdef __cplusplus
}
#endif
