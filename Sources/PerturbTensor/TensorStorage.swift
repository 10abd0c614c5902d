import Foundation

/// The heap buffer behind a `Tensor`. Shared between tensor copies until one of them mutates (copy-on-write).
///
/// Large buffers are recycled through `BufferPool` when released, so a training loop that allocates the same
/// or similar shapes every step does not pay for fresh pages (and the kernel's zeroing of them) each time.
public final class TensorStorage {
    /// First element. Valid for `count` elements while the storage is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int
    /// Elements actually allocated (`count` rounded up to the pool's size class); nil for a buffer outside the pool.
    private let capacity: Int?

    /// Allocates `count` elements with unspecified contents: possibly recycled through `BufferPool`, or with
    /// `pooled: false` straight from malloc and freed to it (for buffers that outlive many steps, such as rows held
    /// in a shuffle buffer: pooled, they would age the step's own size classes out of the pool).
    init(uninitializedCount count: Int, pooled: Bool = true) {
        self.count = count
        if pooled {
            let (pointer, capacity) = BufferPool.shared.take(count)
            (self.pointer, self.capacity) = (pointer, capacity)
        } else {
            (pointer, capacity) = (UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1)), nil)
        }
    }

    /// Returns an independent copy of this storage.
    func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit {
        if let capacity { BufferPool.shared.give(pointer, capacity: capacity) } else { pointer.deallocate() }
    }
}

/// A process-wide pool of large float buffers, in size classes of eight per octave (a request is rounded up by
/// at most 12.5 %), so that buffers whose size varies a little from step to step — per-panel groups of a mixed
/// batch — are reused as well as fixed activation shapes.
///
/// Only buffers of at least `minimumPooledCount` elements are kept, at most `maximumPooledBytes` in total; when
/// a returned buffer would exceed that, buffers of the least recently used classes are freed first, and classes
/// not asked for in the last `agingWindow` pool operations (a few training steps) are freed as well, so that the
/// pool holds about one step's working set rather than every size seen. Thread-safe.
final class BufferPool {
    static let shared = BufferPool()
    static let minimumPooledCount = 16_384
    let maximumPooledBytes = 1 << 30
    let agingWindow: UInt64 = 512
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var lastUse: [Int: UInt64] = [:]
    private var clock: UInt64 = 0
    private var pooledBytes = 0
    private let lock = NSLock()

    /// Elements allocated for a request of `count`: small requests exactly, large ones rounded up to the next
    /// multiple of 1/8 of their octave.
    static func capacity(for count: Int) -> Int {
        guard count >= minimumPooledCount else { return max(count, 1) }
        let step = 1 << (Int.bitWidth - count.leadingZeroBitCount - 4)
        return (count + step - 1) / step * step
    }

    /// A buffer of at least `count` elements: the smallest pooled one of up to 1.5 × its class, else a new one.
    func take(_ count: Int) -> (UnsafeMutablePointer<Float>, capacity: Int) {
        let capacity = BufferPool.capacity(for: count)
        if capacity >= BufferPool.minimumPooledCount {
            lock.lock()
            var candidate = capacity
            while candidate <= capacity + capacity / 2 {
                if let p = free[candidate]?.popLast() {
                    pooledBytes -= candidate * MemoryLayout<Float>.stride
                    clock += 1
                    lastUse[candidate] = clock
                    lock.unlock()
                    return (p, candidate)
                }
                candidate = BufferPool.capacity(for: candidate + 1)
            }
            lock.unlock()
        }
        return (UnsafeMutablePointer<Float>.allocate(capacity: capacity), capacity)
    }

    /// Idle buffers held for one size class.
    func pooledBufferCount(capacity: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return free[capacity]?.count ?? 0
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = capacity * MemoryLayout<Float>.stride
        guard capacity >= BufferPool.minimumPooledCount, bytes <= maximumPooledBytes else {
            pointer.deallocate()
            return
        }
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        lastUse[capacity] = clock
        free[capacity, default: []].append(pointer)
        pooledBytes += bytes
        while pooledBytes > maximumPooledBytes {
            let victim = free.filter { !$0.value.isEmpty }.min { lastUse[$0.key]! < lastUse[$1.key]! }!.key
            free[victim]!.removeLast().deallocate()
            pooledBytes -= victim * MemoryLayout<Float>.stride
        }
        if clock % 64 == 0 {
            for (size, buffers) in free where !buffers.isEmpty && lastUse[size]! + agingWindow < clock {
                for buffer in buffers { buffer.deallocate() }
                pooledBytes -= buffers.count * size * MemoryLayout<Float>.stride
                free[size] = []
            }
        }
    }
}
