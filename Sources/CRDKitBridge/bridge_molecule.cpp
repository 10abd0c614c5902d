// Parsing, standardization, canonical SMILES and scaffolds.
#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>
#include <RDGeneral/versions.h>

#include <cstdlib>
#include <mutex>

#include "bridge_internal.h"

using pbbridge::BridgeError;

char *pbbridge::duplicate(const std::string &text) {
    char *copy = static_cast<char *>(std::malloc(text.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

namespace {

/// The reason a SMILES failed: a syntax error, or the sanitization message (valence, kekulization) found by
/// parsing again without sanitizing. Only runs on the failure path.
std::string whyUnparsable(const char *smiles) {
    try {
        std::unique_ptr<RDKit::RWMol> raw(RDKit::SmilesToMol(smiles, 0, /*sanitize=*/false));
        if (!raw) return "invalid SMILES syntax";
        RDKit::MolOps::sanitizeMol(*raw);
    } catch (const std::exception &e) {
        return e.what();
    }
    return "RDKit could not parse the SMILES";
}

}  // namespace

extern "C" void pb_bridge_init(void) {
    static std::once_flag once;
    try {
        std::call_once(once, [] { boost::logging::disable_logs("rdApp.*"); });
    } catch (...) {
        // Logging stays enabled; nothing else depends on it.
    }
}

extern "C" const char *pb_rdkit_version(void) { return RDKit::rdkitVersion; }

extern "C" PBStatus pb_molecule_from_smiles(const char *smiles, int largestFragment, PBMolecule **out,
                                            char *message, size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_PARSE, [&] {
        pbbridge::require(smiles, "smiles");
        pbbridge::require(out, "out");
        *out = nullptr;
        std::unique_ptr<RDKit::ROMol> mol;
        try {
            mol.reset(RDKit::SmilesToMol(smiles));
        } catch (const RDKit::MolSanitizeException &e) {
            throw BridgeError(PB_ERR_PARSE, e.what());
        }
        if (!mol) throw BridgeError(PB_ERR_PARSE, whyUnparsable(smiles));
        if (mol->getNumAtoms() == 0) throw BridgeError(PB_ERR_PARSE, "empty SMILES (no atoms)");
        if (largestFragment) {
            RDKit::MolStandardize::LargestFragmentChooser chooser;
            mol.reset(chooser.choose(*mol));
            if (!mol) throw BridgeError(PB_ERR_INTERNAL, "largest-fragment selection returned no molecule");
        }
        auto *handle = new PBMolecule;
        handle->mol = std::move(mol);
        *out = handle;
    });
}

extern "C" void pb_molecule_free(PBMolecule *molecule) { delete molecule; }

extern "C" int pb_molecule_atom_count(const PBMolecule *molecule) {
    return molecule && molecule->mol ? static_cast<int>(molecule->mol->getNumAtoms()) : 0;
}

extern "C" PBStatus pb_molecule_canonical_smiles(PBMolecule *molecule, char **smiles, char *message,
                                                 size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INTERNAL, [&] {
        pbbridge::require(molecule, "molecule");
        pbbridge::require(smiles, "smiles");
        *smiles = pbbridge::duplicate(RDKit::MolToSmiles(*molecule->mol));
    });
}

extern "C" PBStatus pb_molecule_murcko_scaffold(PBMolecule *molecule, char **smiles, char *message,
                                                size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INTERNAL, [&] {
        pbbridge::require(molecule, "molecule");
        pbbridge::require(smiles, "smiles");
        // Same steps as Python MurckoScaffold.GetScaffoldForMol.
        std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(*molecule->mol));
        if (!scaffold) throw BridgeError(PB_ERR_INTERNAL, "Murcko decomposition returned no molecule");
        scaffold->clearComputedProps();
        scaffold->updatePropertyCache();
        RDKit::MolOps::symmetrizeSSSR(*scaffold);
        *smiles = pbbridge::duplicate(RDKit::MolToSmiles(*scaffold));
    });
}

extern "C" void pb_string_free(char *string) { std::free(string); }
