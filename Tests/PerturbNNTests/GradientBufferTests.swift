import PerturbNN
import PerturbTensor
import XCTest

/// `GradientBuffer`: the one buffer ranks sum; summing two ranks' packed gradients must give each parameter the
/// sum of its gradients, and nil only where no rank had one.
final class GradientBufferTests: XCTestCase {
    func testSummedBuffersUnpackToSummedGradientsAndNilWhereNoRankHadOne() {
        let a = Parameter(name: "a", value: Tensor(shape: [2], values: [0, 0]))
        let b = Parameter(name: "b", value: Tensor(shape: [1, 3], values: [0, 0, 0]))
        let c = Parameter(name: "c", value: Tensor(shape: [1], values: [0]))
        let frozen = Parameter(name: "frozen", value: Tensor(shape: [4], values: [1, 2, 3, 4]), frozen: true)
        let parameters = [a, frozen, b, c]
        var rank0 = GradientBuffer(parameters: parameters)
        XCTAssertEqual(
            rank0.values.count, 2 + 1 + 3 + 1 + 1 + 1,
            "values plus one flag per trainable parameter; frozen ones left out")

        a.grad = Tensor(shape: [2], values: [1, -2])
        b.grad = nil
        c.grad = nil
        rank0.pack()
        var rank1 = GradientBuffer(parameters: parameters)
        a.grad = Tensor(shape: [2], values: [0.5, 4])
        b.grad = Tensor(shape: [1, 3], values: [3, 2, 1])
        c.grad = nil
        rank1.pack()

        // What the allreduce does.
        for i in rank0.values.indices { rank0.values[i] += rank1.values[i] }
        a.grad = nil
        b.grad = Tensor(shape: [1, 3], values: [9, 9, 9])  // stale values are overwritten
        c.grad = Tensor(shape: [1], values: [7])  // a gradient no rank had this step is cleared
        rank0.unpack()
        XCTAssertEqual(a.grad?.scalars, [1.5, 2])
        XCTAssertEqual(a.grad?.shape, [2])
        XCTAssertEqual(b.grad?.scalars, [3, 2, 1])
        XCTAssertEqual(b.grad?.shape, [1, 3])
        XCTAssertNil(c.grad)
        XCTAssertNil(frozen.grad)
    }
}
