// Standard InChI / InChIKey through libinchi's C API.
//
// Debian builds RDKit without its InChI extension, so the molecule is handed to libinchi (Debian libinchi-dev 1.03)
// here: the graph of the Kekulé form, formal charges, isotopes, radicals, and 0D stereo parities derived from RDKit's
// chiral tags and double-bond stereo. This follows the conventions of RDKit's External/INCHI-API MolToInchi (no
// coordinates; implicit H left to InChI for C, N, O and halogens, given explicitly for other elements), so the keys
// agree with Python's Chem.MolToInchiKey. libinchi 1.03 keeps global state, so calls are serialized by a mutex.
#include <GraphMol/MolOps.h>
#include <GraphMol/PeriodicTable.h>
#include <inchi_api.h>

#include <mutex>
#include <vector>

#include "bridge_internal.h"

using pbbridge::BridgeError;

namespace {

std::mutex inchiMutex;

/// Elements for which InChI adds implicit hydrogens from its own valence rules (as RDKit does).
bool inchiAddsHydrogens(int atomicNumber) {
    switch (atomicNumber) {
        case 6: case 7: case 8: case 9: case 17: case 35: case 53: return true;
        default: return false;
    }
}

/// Tetrahedral parity of an atom from its RDKit chiral tag. RDKit's tag orders the neighbors as the atom's bonds,
/// with an implicit H (or lone pair) last; InChI's 3-neighbor form puts the centre atom (standing for the implicit
/// H) first, an odd permutation, so the parity flips for 3-coordinate centres.
bool tetrahedralStereo(const RDKit::ROMol &mol, const RDKit::Atom *atom, inchi_Stereo0D &stereo) {
    auto tag = atom->getChiralTag();
    if (tag != RDKit::Atom::CHI_TETRAHEDRAL_CW && tag != RDKit::Atom::CHI_TETRAHEDRAL_CCW) return false;
    std::vector<AT_NUM> neighbors;
    for (const auto bond : mol.atomBonds(atom)) {
        neighbors.push_back(static_cast<AT_NUM>(bond->getOtherAtomIdx(atom->getIdx())));
    }
    bool cw = tag == RDKit::Atom::CHI_TETRAHEDRAL_CW;
    stereo.central_atom = static_cast<AT_NUM>(atom->getIdx());
    stereo.type = INCHI_StereoType_Tetrahedral;
    if (neighbors.size() == 4) {
        for (int k = 0; k < 4; ++k) stereo.neighbor[k] = neighbors[k];
        stereo.parity = cw ? INCHI_PARITY_EVEN : INCHI_PARITY_ODD;
        return true;
    }
    if (neighbors.size() == 3) {
        stereo.neighbor[0] = stereo.central_atom;
        for (int k = 0; k < 3; ++k) stereo.neighbor[k + 1] = neighbors[k];
        stereo.parity = cw ? INCHI_PARITY_ODD : INCHI_PARITY_EVEN;
        return true;
    }
    return false;
}

/// Double-bond parity from RDKit's E/Z (or cis/trans) relative to the bond's stereo atoms: cis is 'odd'.
bool doubleBondStereo(const RDKit::ROMol &mol, const RDKit::Bond *bond, inchi_Stereo0D &stereo) {
    auto kind = bond->getStereo();
    if (kind <= RDKit::Bond::STEREOANY || bond->getStereoAtoms().size() < 2) return false;
    bool cis = kind == RDKit::Bond::STEREOZ || kind == RDKit::Bond::STEREOCIS;
    int begin = static_cast<int>(bond->getBeginAtomIdx());
    int end = static_cast<int>(bond->getEndAtomIdx());
    int first = bond->getStereoAtoms()[0];
    int last = bond->getStereoAtoms()[1];
    if (!mol.getBondBetweenAtoms(first, begin)) std::swap(first, last);
    stereo.neighbor[0] = static_cast<AT_NUM>(first);
    stereo.neighbor[1] = static_cast<AT_NUM>(begin);
    stereo.neighbor[2] = static_cast<AT_NUM>(end);
    stereo.neighbor[3] = static_cast<AT_NUM>(last);
    stereo.central_atom = NO_ATOM;
    stereo.type = INCHI_StereoType_DoubleBond;
    stereo.parity = cis ? INCHI_PARITY_ODD : INCHI_PARITY_EVEN;
    return true;
}

/// Undoes RDKit's charge-separated perchlorate ([O-][Cl+3]([O-])([O-])O) into the Cl(=O)(=O)(=O)O form InChI
/// expects, as RDKit's MolToInchi does: with one neutral oxygen it stays single-bonded; with none, the first
/// oxygen keeps its single bond and negative charge; every other oxygen becomes a neutral double bond.
void restorePerchlorates(RDKit::RWMol &mol) {
    for (auto atom : mol.atoms()) {
        if (atom->getAtomicNum() != 17 || atom->getFormalCharge() != 3 || atom->getDegree() != 4) continue;
        std::vector<RDKit::Bond *> bonds;
        int neutral = 0;
        for (auto bond : mol.atomBonds(atom)) {
            RDKit::Atom *oxygen = bond->getOtherAtom(atom);
            if (oxygen->getAtomicNum() != 8 || bond->getBondType() != RDKit::Bond::SINGLE) break;
            if (oxygen->getFormalCharge() == 0) ++neutral;
            else if (oxygen->getFormalCharge() != -1) break;
            bonds.push_back(bond);
        }
        if (bonds.size() != 4 || neutral > 1) continue;
        bool keptSingle = neutral == 1;
        for (auto bond : bonds) {
            RDKit::Atom *oxygen = bond->getOtherAtom(atom);
            if (oxygen->getFormalCharge() == 0) continue;
            if (!keptSingle) {
                keptSingle = true;
                continue;
            }
            bond->setBondType(RDKit::Bond::DOUBLE);
            oxygen->setFormalCharge(0);
        }
        atom->setFormalCharge(0);
    }
}

/// Builds libinchi's input from a Kekulé copy of the molecule and returns the standard InChI.
std::string standardInchi(const RDKit::ROMol &source) {
    RDKit::RWMol mol(source);
    if (mol.needsUpdatePropertyCache()) mol.updatePropertyCache(false);
    RDKit::MolOps::Kekulize(mol, false);
    restorePerchlorates(mol);
    const unsigned atomCount = mol.getNumAtoms();
    if (atomCount > 32766) throw BridgeError(PB_ERR_INCHI, "too many atoms for InChI");
    std::vector<inchi_Atom> atoms(atomCount);
    std::vector<inchi_Stereo0D> stereo;
    auto *table = RDKit::PeriodicTable::getTable();
    for (unsigned i = 0; i < atomCount; ++i) {
        const RDKit::Atom *atom = mol.getAtomWithIdx(i);
        inchi_Atom &a = atoms[i];
        std::memset(&a, 0, sizeof(a));
        int z = atom->getAtomicNum();
        if (z == 0) throw BridgeError(PB_ERR_INCHI, "InChI cannot represent dummy atoms (*)");
        std::string symbol = table->getElementSymbol(z);
        std::strncpy(a.elname, symbol.c_str(), ATOM_EL_LEN - 1);
        if (int isotope = atom->getIsotope()) {
            a.isotopic_mass = static_cast<AT_NUM>(ISOTOPIC_SHIFT_FLAG + isotope -
                                                  static_cast<int>(table->getAtomicWeight(z) + 0.5));
        }
        a.charge = static_cast<S_CHAR>(atom->getFormalCharge());
        bool radical = atom->getNumRadicalElectrons() > 0;
        a.num_iso_H[0] = static_cast<S_CHAR>(inchiAddsHydrogens(z) && !radical ? -1 : atom->getTotalNumHs());
        inchi_Stereo0D s;
        std::memset(&s, 0, sizeof(s));
        if (tetrahedralStereo(mol, atom, s)) stereo.push_back(s);
    }
    for (const auto bond : mol.bonds()) {
        unsigned lo = bond->getBeginAtomIdx(), hi = bond->getEndAtomIdx();
        if (lo > hi) std::swap(lo, hi);
        inchi_Atom &a = atoms[lo];
        if (a.num_bonds >= MAXVAL) throw BridgeError(PB_ERR_INCHI, "atom has more bonds than InChI allows");
        auto type = bond->getBondType();
        a.neighbor[a.num_bonds] = static_cast<AT_NUM>(hi);
        a.bond_type[a.num_bonds] = static_cast<S_CHAR>(type <= RDKit::Bond::TRIPLE ? type : RDKit::Bond::UNSPECIFIED);
        a.bond_stereo[a.num_bonds] = INCHI_BOND_STEREO_NONE;
        a.num_bonds++;
        inchi_Stereo0D s;
        std::memset(&s, 0, sizeof(s));
        if (doubleBondStereo(mol, bond, s)) stereo.push_back(s);
    }
    inchi_Input input;
    std::memset(&input, 0, sizeof(input));
    input.atom = atoms.data();
    input.num_atoms = static_cast<AT_NUM>(atomCount);
    input.stereo0D = stereo.empty() ? nullptr : stereo.data();
    input.num_stereo0D = static_cast<AT_NUM>(stereo.size());
    char options[] = "";
    input.szOptions = options;

    inchi_Output output;
    std::memset(&output, 0, sizeof(output));
    std::lock_guard<std::mutex> lock(inchiMutex);
    int code = GetStdINCHI(&input, &output);
    std::string inchi = output.szInChI ? output.szInChI : "";
    std::string reason = output.szMessage ? output.szMessage : "";
    FreeStdINCHI(&output);
    if ((code != inchi_Ret_OKAY && code != inchi_Ret_WARNING) || inchi.empty()) {
        throw BridgeError(PB_ERR_INCHI, "InChI failed (code " + std::to_string(code) + ")" +
                                            (reason.empty() ? "" : ": " + reason));
    }
    return inchi;
}

std::string inchiKeyOf(const std::string &inchi) {
    char key[32] = {0};
    int code;
    {
        std::lock_guard<std::mutex> lock(inchiMutex);
        code = GetStdINCHIKeyFromStdINCHI(inchi.c_str(), key);
    }
    if (code != INCHIKEY_OK) throw BridgeError(PB_ERR_INCHI, "InChIKey failed (code " + std::to_string(code) + ")");
    return key;
}

}  // namespace

extern "C" PBStatus pb_molecule_inchi(PBMolecule *molecule, char **inchi, char **inchiKey, char *message,
                                      size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INCHI, [&] {
        pbbridge::require(molecule, "molecule");
        pbbridge::require(inchi, "inchi");
        pbbridge::require(inchiKey, "inchiKey");
        *inchi = nullptr;
        *inchiKey = nullptr;
        std::string text = standardInchi(*molecule->mol);
        std::string key = inchiKeyOf(text);
        char *inchiCopy = pbbridge::duplicate(text);
        try {
            *inchiKey = pbbridge::duplicate(key);
        } catch (...) {
            std::free(inchiCopy);
            throw;
        }
        *inchi = inchiCopy;
    });
}
