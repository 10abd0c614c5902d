import Foundation
import PerturbData
import PerturbTestSupport
import XCTest

@testable import PerturbModel

/// A run folder says whether its run ended: `finished.json` is written after everything else, and is absent while a
/// (resumed) run trains, so a folder left by a killed run is never taken for a finished one.
final class RunFolderFinishedTests: XCTestCase {
    func testFinishedMarkerIsWrittenLastAndRemovedWhileTrainingAgain() throws {
        let table = ModelTestData.table(), dir = try temporaryDirectory()
        var config = ModelTestData.config(.multiout, epochs: 2)
        _ = try ModelTestData.fit(config, table, dir)
        let folder = RunFolder(dir)
        XCTAssertTrue(folder.isFinished)
        func modified(_ url: URL) throws -> Date {
            try XCTUnwrap(url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
        }
        let marker = try modified(folder.finished)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            XCTAssertLessThanOrEqual(
                try modified(dir.appendingPathComponent(name)), marker,
                "\(name) was written after finished.json")
        }
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.finished)) as? [String: Any]
        XCTAssertEqual(record?["epochs"] as? Int, 2)

        config.maxEpochs = 3
        let (train, validation) = ModelTestData.split(table)
        var finishedWhileTraining: Bool?
        _ = try Trainer.fit(
            config: config, sources: [TableSource(table)], trainRows: [train], validationRows: [validation],
            runDirectory: dir, resume: true, progress: false
        ) {
            finishedWhileTraining = folder.isFinished
        }
        XCTAssertEqual(finishedWhileTraining, false, "a resumed run must not look finished while it trains")
        XCTAssertTrue(folder.isFinished)
    }
}
