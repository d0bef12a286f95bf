import Foundation

/// Runs independent tasks on the work-stealing pool (see ``WorkStealingPool``).
///
/// Tasks must write only to disjoint memory; results therefore never depend on which
/// thread ran which task or in which order.
enum WorkerPool {
    /// Runs `body(0..<count)` on `threads` threads (equal costs) and returns when all have run.
    static func run(threads: Int, count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        if threads <= 1 || count == 1 {
            for index in 0..<count { body(index) }
            return
        }
        _ = WorkStealingPool.run(threads: threads, tasks: (0..<count).map { WorkStealingPool.WorkItem(index: $0, cost: 1) },
                                 body: body)
    }
}

/// A fixed-size buffer that several threads write to at disjoint indices.
///
/// Large buffers of plain values (a matrix layer: 3.2 GB of `/mi` at p = 20,000) are mapped
/// pages, so ``take()`` can hand each piece back to the system as soon as it is copied into
/// the result: the copy never holds the matrix twice.
final class SharedBuffer<Element>: @unchecked Sendable {
    private(set) var pointer: UnsafeMutableBufferPointer<Element>
    /// Whether `pointer` is an anonymous mapping (released with munmap, pieces with madvise).
    private var mapped: Bool

    /// Buffers of at least this many bytes of plain values are mapped.
    static var mappingThreshold: Int { 32 << 20 }

    init(repeating value: Element, count: Int) {
        let bytes = count * MemoryLayout<Element>.stride
        if _isPOD(Element.self), bytes >= Self.mappingThreshold,
           let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), base != MAP_FAILED {
            pointer = UnsafeMutableBufferPointer(start: base.bindMemory(to: Element.self, capacity: count), count: count)
            mapped = true
        } else {
            pointer = .allocate(capacity: count)
            mapped = false
        }
        pointer.initialize(repeating: value)
    }

    deinit {
        _ = pointer.deinitialize()
        release()
    }

    private func release() {
        guard let base = pointer.baseAddress else { return }
        if mapped { munmap(base, pointer.count * MemoryLayout<Element>.stride) } else { pointer.deallocate() }
    }

    subscript(index: Int) -> Element {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }

    var array: [Element] { Array(pointer) }

    /// The elements moved into an array, the buffer freed: it is empty afterwards (for
    /// results handed on once, so they are not held twice).
    func take() -> [Element] {
        let count = pointer.count
        let source = pointer, isMapped = mapped
        let elements = [Element](unsafeUninitializedCapacity: count) { target, initialized in
            guard isMapped, let from = source.baseAddress, let to = target.baseAddress else {
                _ = target.moveInitialize(fromContentsOf: source)
                initialized = count
                return
            }
            // Piece by piece; the whole pages of each copied piece go back to the system.
            let page = Int(sysconf(Int32(_SC_PAGESIZE))), stride = MemoryLayout<Element>.stride
            let piece = max(1, (16 << 20) / stride)
            var start = 0
            var released = 0   // bytes of the mapping handed back so far (page multiple)
            while start < count {
                let length = min(piece, count - start)
                (to + start).moveInitialize(from: from + start, count: length)
                start += length
                let copiedBytes = start * stride
                let upTo = start == count ? copiedBytes : copiedBytes / page * page
                if upTo > released {
                    madvise(UnsafeMutableRawPointer(from) + released, (upTo - released + page - 1) / page * page, MADV_DONTNEED)
                    released = (upTo + page - 1) / page * page
                }
            }
            initialized = count
        }
        release()
        pointer = UnsafeMutableBufferPointer(start: nil, count: 0)
        return elements
    }
}
