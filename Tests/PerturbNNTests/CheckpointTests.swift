import Foundation
import PerturbBase
import PerturbNN
import PerturbTensor
import PerturbTestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("ckpt")
    }

    /// A trained tiny model, its optimizer and checkpoint path.
    private func trainedCheckpoint() throws -> (TinyLPM, Adam, URL, SeededRNG) {
        let model = TinyLPM(seed: 3)
        let opt = Adam.adamW(parameters: model.parameters, learningRate: 1e-2)
        var rng = SeededRNG(seed: 4)
        trainTiny(model, optimizer: opt, steps: 5, rng: &rng)
        let url = directory.appendingPathComponent("model.safetensors")
        let info = CheckpointInfo(
            config: .object(["hidden": .number(8)]),
            vocabularies: .object(["gene": .array([.string("TP53"), .string("MYC")])]),
            epoch: 2, step: 5, rng: rng)
        try Checkpoint.save(to: url, parameters: model.parameters, optimizer: opt, info: info)
        return (model, opt, url, rng)
    }

    func testRoundTripRestoresWeightsOptimizerAndTraining() throws {
        let (model, opt, url, rng) = try trainedCheckpoint()
        let restored = TinyLPM(seed: 100)
        let restoredOpt = Adam.adamW(parameters: restored.parameters, learningRate: 1e-2)
        let info = try Checkpoint.load(from: url, into: restored.parameters, optimizer: restoredOpt)
        XCTAssertEqual(info.epoch, 2); XCTAssertEqual(info.step, 5); XCTAssertEqual(info.rng, rng)
        XCTAssertEqual(info.vocabularies, .object(["gene": .array([.string("TP53"), .string("MYC")])]))
        XCTAssertEqual(restored.parameters.map { $0.value }, model.parameters.map { $0.value })
        // Continuing from the checkpoint matches continuing the original run exactly.
        var r1 = rng, r2 = info.rng!
        trainTiny(model, optimizer: opt, steps: 3, rng: &r1)
        trainTiny(restored, optimizer: restoredOpt, steps: 3, rng: &r2)
        XCTAssertEqual(restored.parameters.map { $0.value }, model.parameters.map { $0.value })
    }

    func testTruncatedFileNamesFileAndTensor() throws {
        let (_, _, url, _) = try trainedCheckpoint()
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 100).write(to: url)
        let model = TinyLPM(seed: 3)
        let before = model.parameters.map { $0.value }
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: model.parameters)) { error in
            let message = "\(error)"
            XCTAssertTrue(error is UserInputError)
            XCTAssertTrue(message.contains(url.path), message)
            XCTAssertTrue(message.contains("truncated") && message.contains("tensor '"), message)
        }
        XCTAssertEqual(model.parameters.map { $0.value }, before, "a failed load must not modify the model")
        try data.prefix(5).write(to: url)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: model.parameters)) { error in
            XCTAssertTrue("\(error)".contains("truncated"))
        }
    }

    func testCorruptedHeader() throws {
        let (_, _, url, _) = try trainedCheckpoint()
        var data = try Data(contentsOf: url)
        data[8] = 0x5D  // "]" where the header JSON object starts
        try data.write(to: url)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: TinyLPM(seed: 3).parameters)) { error in
            XCTAssertTrue("\(error)".contains("corrupted"), "\(error)")
        }
    }

    /// Tensors and sidecar from different saves (a process killed between the two writes) are an error naming both.
    func testTensorsAndSidecarOfDifferentSavesAreRejected() throws {
        let (model, opt, url, _) = try trainedCheckpoint()
        let later = directory.appendingPathComponent("later.safetensors")
        try Checkpoint.save(
            to: later, parameters: model.parameters, optimizer: opt,
            info: CheckpointInfo(epoch: 3, step: 9))
        try FileManager.default.removeItem(at: Checkpoint.sidecarURL(for: url))
        try FileManager.default.copyItem(at: Checkpoint.sidecarURL(for: later), to: Checkpoint.sidecarURL(for: url))
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: TinyLPM(seed: 3).parameters)) { error in
            XCTAssertTrue(error is UserInputError)
            let expected = "\(url.path): its tensors are from epoch 2 (step 5) but model.json from epoch 3 (step 9)"
            XCTAssertTrue("\(error)".contains(expected), "\(error)")
        }
    }

    /// A save killed at any point leaves a readable checkpoint: after its pending sidecar (the previous pair), after
    /// its tensors (the new tensors with the pending sidecar), or after its first tensors (no sidecar yet).
    func testSaveKilledAtAnyStepLeavesAReadableCheckpoint() throws {
        let (model, opt, url, saved) = try trainedCheckpoint()
        var rng = saved
        let fm = FileManager.default
        let pending = Checkpoint.pendingSidecarURL(for: url)
        XCTAssertFalse(fm.fileExists(atPath: pending.path), "a finished save left its pending sidecar")
        XCTAssertEqual(pending.lastPathComponent, ".model.json.pending")
        let before = try Data(contentsOf: url)
        trainTiny(model, optimizer: opt, steps: 2, rng: &rng)
        let later = directory.appendingPathComponent("later.safetensors")
        try Checkpoint.save(
            to: later, parameters: model.parameters, optimizer: opt, info: CheckpointInfo(epoch: 3, step: 7))

        // Killed after writing the pending sidecar: the previous pair.
        try fm.copyItem(at: Checkpoint.sidecarURL(for: later), to: pending)
        XCTAssertEqual(try Checkpoint.load(from: url, into: TinyLPM(seed: 9).parameters).epoch, 2)
        XCTAssertEqual(try Checkpoint.readInfo(url).step, 5)

        // Killed after renaming the tensors into place: the new tensors and the pending sidecar.
        try fm.removeItem(at: url)
        try fm.copyItem(at: later, to: url)
        let restored = TinyLPM(seed: 9)
        XCTAssertEqual(try Checkpoint.load(from: url, into: restored.parameters).step, 7)
        XCTAssertEqual(restored.parameters.map { $0.value }, model.parameters.map { $0.value })
        XCTAssertEqual(try Checkpoint.readInfo(url).epoch, 3)

        // The first save of a checkpoint killed before its sidecar existed.
        try fm.removeItem(at: Checkpoint.sidecarURL(for: url))
        XCTAssertEqual(try Checkpoint.load(from: url, into: TinyLPM(seed: 9).parameters).epoch, 3)

        // A save after the kill completes the pair and removes the pending sidecar; so does `remove`.
        try Checkpoint.save(
            to: url, parameters: model.parameters, optimizer: opt, info: CheckpointInfo(epoch: 4, step: 9))
        XCTAssertFalse(fm.fileExists(atPath: pending.path))
        XCTAssertEqual(try Checkpoint.readInfo(url).epoch, 4)
        XCTAssertNotEqual(try Data(contentsOf: url), before)
        try fm.copyItem(at: Checkpoint.sidecarURL(for: later), to: pending)
        try Checkpoint.remove(url)
        for file in [url, Checkpoint.sidecarURL(for: url), pending] { XCTAssertFalse(fm.fileExists(atPath: file.path)) }
    }

    func testWrongShapeAndMissingTensor() throws {
        let (_, _, url, _) = try trainedCheckpoint()
        var rng = SeededRNG(seed: 1)
        let wider = MLP(inputs: 9, hidden: [16, 8], outputs: 1, rng: &rng)
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: wider.parameters, strict: false)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(url.path): tensor 'param/mlp.layers.0.weight': shape [8, 9] in the file, the model expects [16, 9]")
        }
        let extra = Parameter(name: "extra.weight", value: .zeros([2]))
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: TinyLPM(seed: 3).parameters + [extra])) { error in
            XCTAssertTrue("\(error)".contains("'param/extra.weight': tensor is missing"), "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint.load(from: url, into: TinyLPM(seed: 3).mlp.parameters)) { error in
            XCTAssertTrue("\(error)".contains("not a parameter of this model"), "\(error)")
        }
    }

    func testPythonSafetensorsReadsOurFile() throws {
        let (model, _, url, _) = try trainedCheckpoint()
        let script = """
            import sys
            from safetensors.numpy import load_file
            t = load_file(sys.argv[1])
            for k in sorted(t): print(k, t[k].dtype, list(t[k].shape), repr(float(t[k].ravel()[0])) if t[k].size else 'empty')
            """
        let out = try Python.run(script, arguments: [url.path])
        var lines: [String: (dtype: String, first: Float)] = [:]
        for line in out.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2)
            let first = Float(line.split(separator: " ").last!)!
            lines[String(fields[0])] = (String(fields[1]), first)
        }
        for p in model.parameters {
            let entry = try XCTUnwrap(lines["param/\(p.name)"], "python did not see param/\(p.name)")
            XCTAssertEqual(entry.dtype, "float32")
            XCTAssertEqual(entry.first, p.value.scalars[0], "param/\(p.name)")
            XCTAssertNotNil(lines["adam_m/\(p.name)"]); XCTAssertNotNil(lines["adam_v/\(p.name)"])
        }
        XCTAssertEqual(lines["adam_step/mlp.layers.0.weight"]?.first, 5)
    }
}
