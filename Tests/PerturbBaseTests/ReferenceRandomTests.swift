import Foundation
import PerturbTestSupport
import XCTest

@testable import PerturbBase

/// The reference-generator ports against the generators themselves: CPython `random`, NumPy `RandomState`, `hashlib`.
final class ReferenceRandomTests: XCTestCase {
    /// Runs `python3 -c code` (importing `module` first) and returns its stdout lines (`Python.run`).
    private func python(_ code: String, needs module: String? = nil) throws -> [String] {
        try Python.run((module.map { "import \($0)\n" } ?? "") + code).split(separator: "\n").map(String.init)
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hexDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testSHA256MatchesHashlibAcrossBlockBoundaries() throws {
        func letters(_ n: Int) -> String {
            let codes: [UInt8] = (0..<n).map { i in UInt8(97 + (i * 7 + n) % 26) }
            return String(decoding: codes, as: UTF8.self)
        }
        let texts: [String] =
            (0..<130).map(letters) + [
                "13:LINCS_phase1_level3_epsilon", "13:CIGS MCE", "42:Ginkgo VCPI vcpi-0001 (tvc-bhr-009)", "é:ü",
            ]
        let literal = texts.map { "'" + $0 + "'" }.joined(separator: ",")
        let expected = try python(
            "import hashlib\nfor s in [\(literal)]: print(hashlib.sha256(s.encode()).hexdigest())")
        XCTAssertEqual(texts.map(SHA256.hexDigest), expected)
    }

    func testPythonRandomShuffleMatchesCPython() throws {
        let seeds: [UInt64] = [0, 1, 13, 42, 4_294_967_295, 4_294_967_296, 0x9a3c_55e1_0b7d_f002, UInt64.max]
        for (n, seed) in zip([0, 1, 2, 10, 97, 1000, 5000, 33], seeds) {
            var items = Array(0..<n)
            var rng = PythonRandom(seed: seed)
            rng.shuffle(&items)
            let expected = try python(
                "import random\nx = list(range(\(n)))\nrandom.Random(\(seed)).shuffle(x)\nprint(' '.join(map(str, x)))")
            XCTAssertEqual(items.map(String.init).joined(separator: " "), expected.first ?? "", "n=\(n) seed=\(seed)")
        }
    }

    func testPythonRandomBitsMatchCPython() throws {
        var rng = PythonRandom(seed: 2026)
        let ours = [1, 5, 31, 32, 33, 47, 63, 64].map { rng.randomBits($0) }
        let expected = try python(
            "import random\nr = random.Random(2026)\nprint(' '.join(str(r.getrandbits(k)) for k in [1, 5, 31, 32, 33, 47, 63, 64]))"
        )
        XCTAssertEqual(ours.map(String.init).joined(separator: " "), expected.first ?? "")
    }

    func testNumPyPermutationAndChoiceMatchNumPy() throws {
        for (n, seed) in [(1, 0), (2, 1), (10, 42), (140, 42), (1000, 13), (70_000, 7), (3, 4_294_967_295)]
            as [(Int, UInt32)]
        {
            var rng = NumPyRandomState(seed: seed)
            let ours = rng.permutation(n)
            let expected = try python(
                "import numpy as np\nprint(' '.join(map(str, np.random.RandomState(\(seed)).permutation(\(n)))))",
                needs: "numpy")
            XCTAssertEqual(ours.map(String.init).joined(separator: " "), expected.first ?? "", "n=\(n) seed=\(seed)")
        }
        let names = (0..<140).map { "compound \($0 * 37 % 140)" }
        var rng = NumPyRandomState(seed: 42)
        let drawn = rng.choiceWithoutReplacement(names, size: 35)
        let literal = names.map { "'\($0)'" }.joined(separator: ",")
        let expected = try python(
            "import numpy as np\nnp.random.seed(42)\nprint('|'.join(np.random.choice(np.array([\(literal)]), 35, replace=False)))",
            needs: "numpy")
        XCTAssertEqual(drawn.joined(separator: "|"), expected.first ?? "")
    }

    func testNumPyShuffleOfLargeRangeUses64BitDraws() throws {
        var rng = NumPyRandomState(seed: 5)
        let values = (0..<6).map { _ in rng.interval(0x1_0000_0005) }
        let expected = try python(
            "import numpy as np\nr = np.random.RandomState(5)\nprint(' '.join(str(r.randint(0, 0x100000006, dtype=np.uint64)) for _ in range(6)))",
            needs: "numpy")
        XCTAssertEqual(values.map(String.init).joined(separator: " "), expected.first ?? "")
    }
}
