// swift-tools-version:5.10
import PackageDescription

/// RDKit (Debian `librdkit-dev`) libraries the chemistry bridge links.
let rdkitLibraries = [
    "RDKitFingerprints", "RDKitSmilesParse", "RDKitGraphMol", "RDKitDataStructs", "RDKitRDGeneral",
    "RDKitChemTransforms", "RDKitMolStandardize", "RDKitSubstructMatch", "RDKitRDGeometryLib",
]

let package = Package(
    name: "PerturBridge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "perturbridge", targets: ["PerturbridgeCLI"]),
        .executable(name: "perturbridge-bench", targets: ["PerturbridgeBench"]),
        .executable(name: "perturbridge-fuzz", targets: ["PerturbridgeFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C modules over Debian system libraries.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .target(name: "CMPI", path: "Sources/CMPI"),
        // Hot loops in C (Adam, the panel loss, dropout, row gathers and backward masks), optimized in every
        // configuration (debug test builds included).
        .target(
            name: "CKernels", path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]),
        // The crash/stall guard around libhdf5 calls on inputs (one copy of its state per process).
        .target(name: "CHDF5Guard", path: "Sources/CHDF5Guard"),
        // C++ bridge exposing RDKit through a small extern "C" API.
        .target(
            name: "CRDKitBridge",
            path: "Sources/CRDKitBridge",
            cxxSettings: [
                .headerSearchPath("boost-override"),
                // RDKit 2022.09 headers declare `operator"" _smiles` (deprecated spelling in clang 21): silence it.
                .unsafeFlags(["-I/usr/include/rdkit", "-std=c++17", "-Wno-deprecated-literal-operator"]),
            ],
            linkerSettings: rdkitLibraries.map { .linkedLibrary($0) } + [.linkedLibrary("inchi")]
        ),

        // Swift libraries, lowest layer first.
        .target(name: "PerturbBase", path: "Sources/PerturbBase", exclude: ["README.md"]),
        .target(
            name: "PerturbTensor", dependencies: ["CBLAS", "CKernels", "PerturbBase"], path: "Sources/PerturbTensor",
            exclude: ["README.md"]),
        .target(
            name: "PerturbNN", dependencies: ["CKernels", "PerturbTensor", "PerturbBase"], path: "Sources/PerturbNN",
            exclude: ["README.md"]),
        .target(
            name: "PerturbDistributed", dependencies: ["CMPI", "PerturbBase"], path: "Sources/PerturbDistributed",
            exclude: ["README.md"]),
        .target(
            name: "PerturbIO", dependencies: ["CHDF5", "CHDF5Guard", "CZlib", "PerturbBase"], path: "Sources/PerturbIO",
            exclude: ["README.md"]
        ),
        .target(
            name: "PerturbChem", dependencies: ["CRDKitBridge", "PerturbBase"], path: "Sources/PerturbChem",
            exclude: ["README.md"]),
        .target(
            name: "PerturbStats", dependencies: ["CBLAS", "PerturbBase"], path: "Sources/PerturbStats",
            exclude: ["README.md"]),
        .target(
            name: "PerturbData",
            dependencies: ["PerturbIO", "PerturbChem", "PerturbStats", "PerturbBase"],
            path: "Sources/PerturbData",
            exclude: ["README.md"],
            resources: [.copy("Resources")]
        ),
        .target(
            name: "PerturbModel",
            dependencies: [
                "PerturbNN", "PerturbTensor", "PerturbData", "PerturbChem", "PerturbIO", "PerturbBase",
                "PerturbDistributed",
                .product(name: "Yams", package: "Yams"), .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            path: "Sources/PerturbModel",
            exclude: ["README.md"]
        ),
        .target(
            name: "PerturbEval",
            dependencies: [
                "PerturbModel", "PerturbNN", "PerturbTensor", "PerturbData", "PerturbChem", "PerturbIO", "PerturbStats",
                "PerturbBase", "PerturbDistributed",
            ],
            path: "Sources/PerturbEval",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "PerturbridgeCLI",
            dependencies: [
                "PerturbBase", "PerturbTensor", "PerturbNN", "PerturbIO", "PerturbChem", "PerturbData", "PerturbModel",
                "PerturbEval", "PerturbDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PerturbridgeCLI"
        ),
        .executableTarget(
            name: "PerturbridgeBench",
            dependencies: [
                "PerturbBase", "PerturbTensor", "PerturbNN", "PerturbIO", "PerturbChem", "PerturbData",
                "PerturbModel", "PerturbStats", "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PerturbridgeBench"
        ),
        // Mutation fuzzing of the readers (scripts/fuzz-inprocess.sh); depends on the reader modules only.
        .executableTarget(
            name: "PerturbridgeFuzz",
            dependencies: [
                "PerturbBase", "PerturbIO", "PerturbNN", "PerturbChem", "PerturbData", "PerturbModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/PerturbridgeFuzz"
        ),

        // What every test target shares (`Tests/PerturbTestSupport/README.md`): the oracle runner, the one
        // skip-or-fail rule for missing requirements, temporary folders, the CLI runner, user-error assertions.
        .target(
            name: "PerturbTestSupport", dependencies: ["PerturbBase"], path: "Tests/PerturbTestSupport",
            exclude: ["README.md"]),
        .testTarget(name: "PerturbBaseTests", dependencies: ["PerturbBase", "PerturbTestSupport"]),
        .testTarget(name: "PerturbTensorTests", dependencies: ["PerturbTensor", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(
            name: "PerturbNNTests", dependencies: ["PerturbNN", "PerturbTensor", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(
            name: "PerturbDistributedTests", dependencies: ["PerturbDistributed", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(name: "PerturbIOTests", dependencies: ["PerturbIO", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(name: "PerturbChemTests", dependencies: ["PerturbChem", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(
            name: "PerturbStatsTests",
            dependencies: ["PerturbStats", "PerturbIO", "PerturbBase", "PerturbTestSupport"]),
        .testTarget(
            name: "PerturbDataTests",
            dependencies: [
                "PerturbData", "PerturbIO", "PerturbChem", "PerturbStats", "PerturbBase", "PerturbTestSupport",
            ]
        ),
        .testTarget(
            name: "PerturbModelTests",
            dependencies: [
                "PerturbModel", "PerturbData", "PerturbNN", "PerturbTensor", "PerturbChem", "PerturbIO", "PerturbBase",
                "PerturbTestSupport",
            ]
        ),
        .testTarget(
            name: "PerturbEvalTests",
            dependencies: [
                "PerturbEval", "PerturbModel", "PerturbData", "PerturbChem", "PerturbBase", "PerturbTestSupport",
            ]
        ),
        .testTarget(
            name: "PerturbridgeCLITests",
            dependencies: ["PerturbBase", "PerturbIO", "PerturbNN", "PerturbTensor", "PerturbTestSupport"]
        ),
    ]
)
