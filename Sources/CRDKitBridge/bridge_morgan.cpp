// Morgan fingerprints through RDKit's FingerprintGenerator (the generator behind Python's
// rdFingerprintGenerator.GetMorganGenerator(radius, fpSize), which is FingerprintGenerator64).
#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/MorganGenerator.h>

#include "bridge_internal.h"

using pbbridge::BridgeError;

struct PBMorganGenerator {
    std::unique_ptr<RDKit::FingerprintGenerator<std::uint64_t>> generator;
    unsigned bits;
};

extern "C" PBStatus pb_morgan_generator_new(unsigned radius, unsigned bits, int includeChirality,
                                            PBMorganGenerator **out, char *message, size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INTERNAL, [&] {
        pbbridge::require(out, "out");
        *out = nullptr;
        if (radius > 16) throw BridgeError(PB_ERR_ARGUMENT, "radius must be 0...16, got " + std::to_string(radius));
        if (bits < 1 || bits > (1u << 24)) {
            throw BridgeError(PB_ERR_ARGUMENT, "bits must be 1...16777216, got " + std::to_string(bits));
        }
        auto handle = std::make_unique<PBMorganGenerator>();
        handle->generator.reset(RDKit::MorganFingerprint::getMorganGenerator<std::uint64_t>(
            radius, /*countSimulation=*/false, includeChirality != 0, /*useBondTypes=*/true,
            /*onlyNonzeroInvariants=*/false, nullptr, nullptr, bits));
        handle->bits = bits;
        *out = handle.release();
    });
}

extern "C" void pb_morgan_generator_free(PBMorganGenerator *generator) { delete generator; }

extern "C" PBStatus pb_morgan_bits(const PBMorganGenerator *generator, PBMolecule *molecule, uint64_t *words,
                                   size_t wordCount, char *message, size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INTERNAL, [&] {
        pbbridge::require(generator, "generator");
        pbbridge::require(molecule, "molecule");
        pbbridge::require(words, "words");
        if (wordCount != (generator->bits + 63) / 64) throw BridgeError(PB_ERR_ARGUMENT, "wrong word count");
        std::unique_ptr<ExplicitBitVect> fp(generator->generator->getFingerprint(*molecule->mol));
        std::memset(words, 0, wordCount * sizeof(uint64_t));
        const auto &bitset = *fp->dp_bits;
        for (auto i = bitset.find_first(); i != bitset.npos; i = bitset.find_next(i)) {
            words[i >> 6] |= uint64_t(1) << (i & 63);
        }
    });
}

extern "C" PBStatus pb_morgan_counts(const PBMorganGenerator *generator, PBMolecule *molecule, uint32_t *counts,
                                     size_t count, char *message, size_t messageCapacity) {
    return pbbridge::guarded(message, messageCapacity, PB_ERR_INTERNAL, [&] {
        pbbridge::require(generator, "generator");
        pbbridge::require(molecule, "molecule");
        pbbridge::require(counts, "counts");
        if (count != generator->bits) throw BridgeError(PB_ERR_ARGUMENT, "wrong count length");
        std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
            generator->generator->getCountFingerprint(*molecule->mol));
        std::memset(counts, 0, count * sizeof(uint32_t));
        for (const auto &entry : fp->getNonzeroElements()) {
            counts[entry.first] = static_cast<uint32_t>(entry.second);
        }
    });
}
