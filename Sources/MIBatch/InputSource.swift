import Foundation
import MIEstimators

/// Where a run's values come from: one input format, opened for one run.
///
/// A source describes its variables from metadata alone (``catalog``) and reads values in
/// two ways: one full ``scan(retaining:bandBytes:)`` per run (the input digest, the
/// finiteness check and, when the plan holds all input, the values), and
/// ``load(_:bandBytes:)`` of a set of variables whenever the engine streams. What it
/// contributes to the output's provenance and to `mibatch plan` are ``provenance`` and
/// ``planDescription``. The engine, `Job`, `PlanReport` and `Provenance` see nothing else
/// of the input, so a new format is a new conforming type plus its entry in
/// ``InputFormat`` (see ``HDF5InputSource`` for the opening and detection hooks).
///
/// **One thread at a time.** A source is not required to be thread-safe: the engine calls
/// ``scan(retaining:bandBytes:)`` and ``load(_:bandBytes:)`` only on its serial I/O queue
/// (a read ahead runs there while the workers compute), and before that the source is
/// opened and asked for metadata on the thread that plans. This keeps libhdf5, whose every
/// call takes one global lock, off the compute threads. A source must not start threads
/// of its own that call HDF5. It is `Sendable` only so that it can be handed to that
/// queue.
///
/// **Determinism.** Values, digest and the first non-finite value must not depend on
/// `bandBytes`, on the order or grouping of `load` calls, or on the machine.
public protocol InputSource: AnyObject, Sendable {
    /// The variables (names, dimensions, where they are stored), the stored arrays they
    /// come from and the sample count n, resolved from metadata when the source was opened
    /// (no values read). Constant for the life of the source.
    var catalog: InputCatalog { get }

    /// Reads the whole input once: the content digest, the finiteness check, and the
    /// values of the variables at `retaining` (indices into ``InputCatalog/variables``;
    /// none when empty).
    ///
    /// The digest must follow ``InputDigest``'s definition over the positions of each
    /// stored array's variables axis, so that the same values give the same digest
    /// whatever the format or storage layout. Non-finite values are counted and located,
    /// never refused here (the engine applies `--nan`).
    ///
    /// - Parameter bandBytes: target bytes of one read call (the plan budgets for two such
    ///   buffers); a source may round up to whole storage units (chunks).
    /// - Returns: the digest, finiteness facts and the retained values (n × d row-major).
    /// - Throws: `MIBatchError` naming the file, the array and the unreadable part
    ///   (`.readFailed`, `.hdf5`).
    /// - Complexity: O(stored values) time; O(retained values + `bandBytes`) memory.
    func scan(retaining: Set<Int>, bandBytes: Int) throws(MIBatchError) -> InputScan

    /// Reads the values of the variables at `variables` (indices into
    /// ``InputCatalog/variables``, in any order, no duplicates).
    ///
    /// Values only: ``scan(retaining:bandBytes:)`` has already checked finiteness.
    ///
    /// - Parameter bandBytes: as for ``scan(retaining:bandBytes:)``.
    /// - Returns: each requested variable's n × d values, row-major; exactly the keys asked for.
    /// - Throws: `MIBatchError` as for ``scan(retaining:bandBytes:)``.
    func load(_ variables: [Int], bandBytes: Int) throws(MIBatchError) -> [Int: VariableData]

    /// The `input_*` root attributes this source records in an output, and the sample
    /// count the `nan` attribute states. Independent of any scan.
    var provenance: InputProvenance { get }

    /// What `mibatch plan` prints after `input: ` (one line: the file and what is read in
    /// it, e.g. `in.h5 (/x 500x8 float64, contiguous)`).
    var planDescription: String { get }

    /// The selection statistics of every catalog variable (parallel to
    /// ``InputCatalog/variables``): what `--min-cells` and `--top-variable` choose by.
    ///
    /// Called on the planning thread before any scan, only when one of those options is
    /// given; covers the catalog as it is then (after `--genes` narrowed it). A default reads the variables
    /// through ``load(_:bandBytes:)`` in groups of at most `bandBytes`; sparse formats
    /// should compute it from their stored non-zeros.
    ///
    /// - Complexity: one pass over the stored values.
    func variableStatistics(bandBytes: Int) throws(MIBatchError) -> [VariableStatistics]

    /// Narrows the catalog to the variables at `variables` (indices into the current
    /// ``InputCatalog/variables``, distinct, in the order they are to have): afterwards the
    /// catalog lists exactly those and every index the engine passes refers to the new list.
    ///
    /// Stored arrays, the digest (it covers what is stored, ``InputDigest``) and the sample
    /// count do not change; finiteness is checked on the selected variables only. Called on
    /// the planning thread before any scan, possibly more than once (each call narrows
    /// the list the previous one left).
    func select(_ variables: [Int])

    /// Deletes any temporary file the source made next to the output (a column scratch),
    /// once the output is written. A source that makes none need not implement it.
    func removeScratch()
}

/// What gene selection knows of one variable (``InputSource/variableStatistics(bandBytes:)``).
///
/// Non-finite values are skipped (the run's `--nan` policy deals with them later).
public struct VariableStatistics: Sendable, Equatable {
    /// Samples (cells) in which some dimension of the variable is non-zero.
    public var nonZero: Int
    /// The variance of log1p(x) over the samples (denominator n − 1; summed over
    /// dimensions for a multi-dimensional variable): `--top-variable`'s ranking.
    public var log1pVariance: Double
    /// The smallest finite value (log1p is defined only above −1).
    public var minimum: Double

    /// Creates statistics.
    public init(nonZero: Int, log1pVariance: Double, minimum: Double) {
        self.nonZero = nonZero
        self.log1pVariance = log1pVariance
        self.minimum = minimum
    }

    /// The statistics of one variable's n × d row-major values.
    ///
    /// - Complexity: O(n · d), two passes.
    public init(_ data: VariableData) {
        let n = data.count, d = data.dimension
        var nonZero = 0, minimum = Double.infinity
        for i in 0..<n {
            var any = false
            for c in 0..<d {
                let x = data.values[i * d + c]
                guard x.isFinite else { continue }
                if x != 0 { any = true }
                minimum = Swift.min(minimum, x)
            }
            if any { nonZero += 1 }
        }
        var variance = 0.0
        for c in 0..<d {
            var count = 0, mean = 0.0, m2 = 0.0
            for i in 0..<n {
                let x = data.values[i * d + c]
                guard x.isFinite, x > -1 else { continue }
                let y = x.isZero ? 0 : Foundation.log1p(x)
                count += 1
                let delta = y - mean
                mean += delta / Double(count)
                m2 += delta * (y - mean)
            }
            if count > 1 { variance += m2 / Double(count - 1) }
        }
        self.init(nonZero: nonZero, log1pVariance: variance, minimum: minimum)
    }
}

extension InputSource {
    /// Loads the variables in groups of at most `bandBytes` (at least one variable each)
    /// and summarises each (``VariableStatistics/init(_:)``).
    public func variableStatistics(bandBytes: Int) throws(MIBatchError) -> [VariableStatistics] {
        let variables = catalog.variables
        var result: [VariableStatistics] = []
        result.reserveCapacity(variables.count)
        var start = 0
        while start < variables.count {
            var end = start, bytes = 0
            repeat {
                bytes += catalog.samples * variables[end].dimension * 8
                end += 1
            } while end < variables.count && bytes + catalog.samples * variables[end].dimension * 8 <= bandBytes
            let loaded = try load(Array(start..<end), bandBytes: bandBytes)
            for index in start..<end { result.append(VariableStatistics(loaded[index]!)) }
            start = end
        }
        return result
    }

    /// No scratch: nothing to remove.
    public func removeScratch() {}
}

/// The result of one full pass over an input (``InputSource/scan(retaining:bandBytes:)``).
public struct InputScan: Sendable {
    /// `sha256:<hex>` of the values read (``InputDigest``).
    public var digest: String
    /// Values of the retained variables (index into ``InputCatalog/variables`` → n × d
    /// values), or `nil` when none were retained.
    public var variables: [Int: VariableData]?
    /// NaN/±Inf values among the run's variables (stored positions that belong to no
    /// variable are not counted).
    public var nonFiniteCount = 0
    /// The first of them: in the first stored array (catalog order) that has any, the one
    /// with the smallest stored (row, column).
    public var firstNonFinite: NonFiniteValue? = nil
    /// `badSamples[i]`: sample i holds a non-finite value in some variable (n entries).
    public var badSamples: [Bool] = []

    /// Creates a scan result.
    public init(digest: String, variables: [Int: VariableData]?, nonFiniteCount: Int = 0,
                firstNonFinite: NonFiniteValue? = nil, badSamples: [Bool] = []) {
        self.digest = digest
        self.variables = variables
        self.nonFiniteCount = nonFiniteCount
        self.firstNonFinite = firstNonFinite
        self.badSamples = badSamples
    }
}

/// Where a non-finite input value is, precisely enough for `MIBatchError.nonFiniteValue`
/// to name the array, the column, the variable and the row.
public struct NonFiniteValue: Sendable, Equatable {
    /// Index into ``InputCatalog/datasets``.
    public var dataset: Int
    /// Stored row (a sample, or a variables-axis position of a transposed array).
    public var row: Int
    /// Stored column (a variables-axis position, or a sample of a transposed array).
    public var column: Int
    /// Index into ``InputCatalog/variables`` of the variable holding it.
    public var variable: Int
    /// The value: NaN, +Inf or −Inf.
    public var value: Double

    /// Creates a location.
    public init(dataset: Int, row: Int, column: Int, variable: Int, value: Double) {
        self.dataset = dataset
        self.row = row
        self.column = column
        self.variable = variable
        self.value = value
    }
}

/// What an input source records about itself in an output (design.md §5).
public struct InputProvenance: Sendable {
    /// Root attributes as (name, value), written in this order just before `input_digest`.
    /// Names start with `input_` and are unique. `mibatch inspect` reads `input_file` and
    /// splits `input_dataset`, `input_shape` and `input_dtype` at ", " (one entry per
    /// stored array), so every source should give those four.
    public var attributes: [(name: String, value: String)]
    /// Samples of the input before `--nan drop-rows` (stated in the `nan` attribute).
    public var samples: Int

    /// Creates a record.
    public init(attributes: [(name: String, value: String)], samples: Int) {
        self.attributes = attributes
        self.samples = samples
    }
}

/// The input content digest (`input_digest`), defined independently of the storage layout
/// and of the format the values were read from.
///
/// Each position of a stored array's variables axis (a column, or a row with
/// `--transpose`) is hashed over its samples in order, as little-endian float64 bytes
/// (SHA-256, 64 lowercase hex digits); the digest is `sha256:` followed by the SHA-256 of
/// those hex texts, positions in order, arrays in catalog order. Positions that belong to
/// no variable are hashed too: the digest covers what was stored, not what was selected.
///
/// - Complexity: O(bytes hashed); memory O(1) per position.
struct InputDigest {
    private var combined = SHA256Hasher()

    /// The hash of one variables-axis position, fed its samples in order, in any pieces.
    struct Position {
        fileprivate var hasher = SHA256Hasher()

        /// Feeds consecutive samples given as float64 bytes in memory order (little-endian
        /// on every platform mibatch runs on).
        mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bytes) }
    }

    /// Adds a finished position (the next one in the definition's order).
    mutating func append(_ position: Position) { combined.update(position.hasher.finalize()) }

    /// The digest, `sha256:<64 hex digits>`.
    func finalize() -> String { "sha256:" + combined.finalize() }

    /// The digest of arrays given whole: `positions[p]` holds position p's samples in
    /// order, all arrays' positions concatenated in catalog order.
    static func of(positions: [[Double]]) -> String {
        var digest = InputDigest()
        for samples in positions {
            var position = Position()
            samples.withUnsafeBytes { position.update($0) }
            digest.append(position)
        }
        return digest.finalize()
    }
}

#if _endian(big)
#error("InputDigest hashes float64 values in memory order, defined as little-endian: byte-swap them on this platform")
#endif
