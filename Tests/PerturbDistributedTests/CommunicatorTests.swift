import PerturbBase
import PerturbDistributed
import XCTest

/// The single-process communicator (what every process started without mpirun gets); the collectives across
/// ranks are tested through `mpirun` in `PerturbridgeCLITests/DistributedPretrainTests`.
final class CommunicatorTests: XCTestCase {
    func testWithoutMPIRunTheWorldIsOneProcessAndMPIStaysUninitialized() throws {
        try XCTSkipIf(Communicator.launchedByMPIRun, "the test process itself runs under mpirun")
        let world = try Communicator.world
        XCTAssertTrue(world === Communicator.single)
        XCTAssertEqual(world.rank, 0)
        XCTAssertEqual(world.size, 1)
        var values: [Float] = [1.5, -2]
        world.allreduceSum(&values)
        XCTAssertEqual(values, [1.5, -2])
        var doubles: [Double] = [3]
        world.allreduceSum(&doubles)
        XCTAssertEqual(doubles, [3])
        XCTAssertEqual(world.broadcast(bytes: [1, 2, 3], root: 0), [1, 2, 3])
        XCTAssertEqual(world.allgather([7, 8]), [[7, 8]])
        world.barrier()
        Communicator.finalizeWorld()  // nothing to finalize: must not touch MPI
    }

    func testSharesCoverAGlobalBatchInRankOrder() {
        XCTAssertEqual(Communicator.single.share(of: 5), 0..<5)
        XCTAssertEqual((0..<3).map { Communicator.share(of: 7, rank: $0, among: 3) }, [0..<2, 2..<4, 4..<7])
        XCTAssertEqual((0..<4).map { Communicator.share(of: 2, rank: $0, among: 4) }, [0..<0, 0..<1, 1..<1, 1..<2])
        for count in [0, 1, 2, 7, 32] {
            for size in 1...5 {
                let slices = (0..<size).map { Communicator.share(of: count, rank: $0, among: size) }
                XCTAssertEqual(slices.first?.lowerBound, 0)
                XCTAssertEqual(slices.last?.upperBound, count)
                for (a, b) in zip(slices, slices.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                XCTAssertLessThanOrEqual(slices.map(\.count).max()! - slices.map(\.count).min()!, 1)
            }
        }
    }

    func testCollectivelyRethrowsTheLocalErrorAndAgreementPassesAlone() throws {
        let one = Communicator.single
        XCTAssertEqual(try one.collectively("setup") { 42 }, 42)
        XCTAssertThrowsError(try one.collectively("setup") { throw InputError("bad file x.h5ad") }) { error in
            XCTAssertEqual((error as? InputError)?.message, "bad file x.h5ad")
        }
        XCTAssertNoThrow(try one.requireAgreement([(key: "config seed", value: "5")], about: "the run"))
    }
}
