#pragma once
// A small extern "C" API over Debian's RDKit (2022.09) and libinchi (1.03), used by the Swift module PerturbChem.
//
// Conventions:
// - Every entry point catches every C++ exception and returns a PBStatus; on failure a NUL-terminated reason is
//   written into `message` (truncated to `messageCapacity` bytes). Nothing C++ crosses this boundary.
// - Each molecule handle is owned by one caller at a time: RDKit caches computed properties inside a molecule, so a
//   handle must not be used from two threads at once. Generators are read-only after creation and may be shared.
// - Strings returned through `char **` are malloc'd; release them with pb_string_free.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every bridge call.
typedef enum PBStatus {
    PB_OK = 0,
    /// The SMILES could not be parsed or sanitized (syntax, valence, aromaticity...).
    PB_ERR_PARSE = 1,
    /// InChI could not represent the molecule (e.g. dummy atoms `*`).
    PB_ERR_INCHI = 2,
    /// A caller error: null pointer, radius/size out of range, buffer of the wrong length.
    PB_ERR_ARGUMENT = 3,
    /// Any other exception thrown inside RDKit or libinchi.
    PB_ERR_INTERNAL = 4,
} PBStatus;

/// A parsed, sanitized molecule.
typedef struct PBMolecule PBMolecule;
/// A Morgan fingerprint generator (RDKit FingerprintGenerator<uint64_t>, same as Python GetMorganGenerator).
typedef struct PBMorganGenerator PBMorganGenerator;

/// Silences RDKit's logs on stderr (invalid SMILES would otherwise print parse errors). Idempotent, thread-safe.
void pb_bridge_init(void);

/// The RDKit version string (static storage).
const char *pb_rdkit_version(void);

/// Parses and sanitizes SMILES like Python's Chem.MolFromSmiles. With `largestFragment` != 0, keeps only the largest
/// fragment (RDKit MolStandardize::LargestFragmentChooser: most atoms including H, then heavier, then by SMILES),
/// which strips counter-ions, salts and solvents. A SMILES without atoms is rejected.
PBStatus pb_molecule_from_smiles(const char *smiles, int largestFragment, PBMolecule **out,
                                 char *message, size_t messageCapacity);

/// Releases a molecule (null is allowed).
void pb_molecule_free(PBMolecule *molecule);

/// Number of atoms (heavy atoms plus explicit H atoms) of the molecule.
int pb_molecule_atom_count(const PBMolecule *molecule);

/// Canonical isomeric SMILES, as Python's Chem.MolToSmiles(mol).
PBStatus pb_molecule_canonical_smiles(PBMolecule *molecule, char **smiles, char *message, size_t messageCapacity);

/// Standard InChI and InChIKey computed through libinchi's C API from the molecule's graph with 0D stereo parities
/// (the method RDKit's own MolToInchi uses). PB_ERR_INCHI when InChI rejects the structure.
PBStatus pb_molecule_inchi(PBMolecule *molecule, char **inchi, char **inchiKey, char *message, size_t messageCapacity);

/// Canonical SMILES of the Bemis–Murcko scaffold (RDKit MurckoDecompose, as Python MurckoScaffold.GetScaffoldForMol);
/// the empty string for acyclic molecules.
PBStatus pb_molecule_murcko_scaffold(PBMolecule *molecule, char **smiles, char *message, size_t messageCapacity);

/// Releases a string returned by the bridge (null is allowed).
void pb_string_free(char *string);

/// Creates a Morgan generator: `radius` 0...16, `bits` 1...2^24, chirality included when `includeChirality` != 0.
PBStatus pb_morgan_generator_new(unsigned radius, unsigned bits, int includeChirality, PBMorganGenerator **out,
                                 char *message, size_t messageCapacity);

/// Releases a generator (null is allowed).
void pb_morgan_generator_free(PBMorganGenerator *generator);

/// Folded Morgan bit vector: bit i is stored in words[i / 64] at position i % 64. `wordCount` must be
/// ceil(bits / 64); the words are overwritten.
PBStatus pb_morgan_bits(const PBMorganGenerator *generator, PBMolecule *molecule, uint64_t *words, size_t wordCount,
                        char *message, size_t messageCapacity);

/// Folded Morgan count vector (GetCountFingerprint): `count` must equal the generator's bits; overwritten.
PBStatus pb_morgan_counts(const PBMorganGenerator *generator, PBMolecule *molecule, uint32_t *counts, size_t count,
                          char *message, size_t messageCapacity);

#ifdef __cplusplus
}
#endif
