import Foundation

/// The heap buffer behind a `Tensor`. Shared between tensor copies until one of them mutates (copy-on-write).
///
/// Large buffers are recycled through `BufferPool` when released, so a training loop that allocates the same
/// activation shapes every step does not pay for fresh pages (and their zeroing) each time.
public final class TensorStorage {
    /// First element. Valid for `count` elements while the storage is alive.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of elements.
    public let count: Int

    /// Allocates `count` elements with unspecified contents (possibly recycled).
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    /// Returns an independent copy of this storage.
    func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}

/// A process-wide pool of large float buffers keyed by element count.
///
/// Only buffers of at least `minimumPooledCount` elements are kept, at most `maximumPooledBytes` in total;
/// anything else goes straight back to the allocator. Thread-safe.
final class BufferPool {
    static let shared = BufferPool()
    let minimumPooledCount = 16_384
    let maximumPooledBytes = 1 << 30
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let lock = NSLock()

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= minimumPooledCount {
            lock.lock()
            if let p = free[count]?.popLast() {
                pooledBytes -= count * MemoryLayout<Float>.stride
                lock.unlock()
                return p
            }
            lock.unlock()
        }
        return UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= minimumPooledCount {
            let bytes = count * MemoryLayout<Float>.stride
            lock.lock()
            if pooledBytes + bytes <= maximumPooledBytes {
                free[count, default: []].append(pointer)
                pooledBytes += bytes
                lock.unlock()
                return
            }
            lock.unlock()
        }
        pointer.deallocate()
    }
}
