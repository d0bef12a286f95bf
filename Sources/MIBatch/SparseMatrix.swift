import HDF5

/// One compressed sparse matrix as stored in an HDF5 group: the `data`, `indices` and
/// `indptr` datasets of AnnData's `csr_matrix`/`csc_matrix` encodings and of a 10x
/// Genomics `/matrix`.
///
/// The *major* axis is the compressed one (rows of a CSR matrix, columns of a CSC one):
/// the entries of major element m are `indptr[m]..<indptr[m+1]` of `data` and `indices`,
/// and `indices` holds their *minor* coordinates. Every band read is checked: `indptr`
/// starts at 0, never decreases and ends at the number of stored values; within a major
/// element, indices are inside the minor axis and distinct (they may be unsorted, as scipy
/// allows). A violation is `.damagedDataset` naming the dataset and the row or column.
///
/// Owns HDF5 handles; used from one thread at a time (``InputSource``).
final class SparseMatrix {
    /// How the matrix is compressed: `rows` for CSR (each row contiguous), `columns` for CSC.
    enum Compression: Sendable { case rows, columns }

    /// The input file (for errors).
    let file: String
    /// The group holding the three datasets.
    let group: String
    /// The stored shape (rows, columns).
    let shape: [Int]
    /// Which axis is compressed.
    let compression: Compression
    /// The element type of `data`, as stored (for example `float32`).
    let dtype: String
    /// Stored values (non-zeros, possibly explicit zeros).
    let storedCount: Int
    private let data: Dataset
    private let indices: Dataset
    private let indptrDataset: Dataset
    private var cachedIndptr: [Int]?

    /// Length of the compressed axis.
    var majorCount: Int { compression == .rows ? shape[0] : shape[1] }
    /// Length of the other axis (the range of `indices`).
    var minorCount: Int { compression == .rows ? shape[1] : shape[0] }
    /// What a major element is called in errors.
    var majorName: String { compression == .rows ? "row" : "column" }

    /// Opens `group`'s `data`, `indices` and `indptr` (names configurable for other layouts)
    /// and checks their metadata against `shape` (no values read).
    ///
    /// - Throws: `.badShape`/`.damagedDataset` naming the dataset (missing, not 1-D, not
    ///   numeric, lengths inconsistent with each other or with `shape`); `.externalData` when
    ///   one is reached through an external link or keeps its values in other files, unless
    ///   `allowExternal` (`--allow-external`, as for dense datasets).
    init(file: File, group: String, shape: [Int], compression: Compression, allowExternal: Bool = false) throws(MIBatchError) {
        self.file = file.path
        self.group = group
        self.compression = compression
        guard shape.count == 2, shape.allSatisfy({ $0 >= 0 }) else {
            throw .badShape(file: file.path, dataset: group, shape: shape, reason: "a sparse matrix needs a shape of two non-negative integers")
        }
        self.shape = shape
        func open(_ name: String) throws(MIBatchError) -> Dataset {
            let path = group == "/" ? "/" + name : group + "/" + name
            if !allowExternal, let external = file.externalLink(on: path) {
                throw .externalData(file: file.path, dataset: path, detail: external.description)
            }
            let dataset: Dataset
            do { dataset = try file.dataset(path) } catch {
                if case .objectNotFound = error {
                    throw .damagedDataset(file: file.path, dataset: group, reason: "the sparse matrix has no '\(name)' dataset")
                }
                throw .hdf5(error)
            }
            if !allowExternal, let external = dataset.externalData {
                throw .externalData(file: file.path, dataset: path, detail: external.description)
            }
            guard dataset.shape.count == 1 else {
                throw .badShape(file: file.path, dataset: path, shape: dataset.shape, reason: "expected a 1-D array of a sparse matrix")
            }
            guard dataset.elementType.isNumeric else {
                throw .hdf5(.unsupportedType(file: file.path, dataset: path, type: dataset.elementType.description))
            }
            return dataset
        }
        data = try open("data")
        indices = try open("indices")
        indptrDataset = try open("indptr")
        dtype = data.elementType.description
        storedCount = data.shape[0]
        let majors = compression == .rows ? shape[0] : shape[1]
        if indices.shape[0] != storedCount {
            throw .damagedDataset(file: file.path, dataset: indices.path,
                                  reason: "\(indices.shape[0]) indices for \(storedCount) values in '\(data.path)'")
        }
        if indptrDataset.shape[0] != majors + 1 {
            throw .damagedDataset(file: file.path, dataset: indptrDataset.path,
                                  reason: "\(indptrDataset.shape[0]) entries, but shape \(MIBatchError.format(shape)) needs \(majors + 1) (one per \(majorName) plus one)")
        }
        let (cells, overflow) = shape[0].multipliedReportingOverflow(by: shape[1])
        if !overflow && storedCount > cells {
            throw .damagedDataset(file: file.path, dataset: data.path,
                                  reason: "\(storedCount) stored values exceed the \(cells) cells of shape \(MIBatchError.format(shape))")
        }
    }

    /// The full `indptr` (read once, then kept: majors + 1 integers), checked to start at 0,
    /// never decrease and end at the number of stored values.
    ///
    /// - Throws: `.damagedDataset` naming `indptr` and the first bad row or column; read errors.
    /// - Complexity: O(majors) the first time.
    func indptr() throws(MIBatchError) -> [Int] {
        if let cachedIndptr { return cachedIndptr }
        let raw = try read(indptrDataset, 0..<(majorCount + 1), majors: 0..<majorCount) { dataset, range throws(HDF5Error) in
            try dataset.readInt64(range)
        }
        var result = [Int](repeating: 0, count: raw.count)
        for (m, value) in raw.enumerated() {
            result[m] = Int(value)
            if m == 0 && value != 0 {
                throw .damagedDataset(file: file, dataset: indptrDataset.path, reason: "its first entry is \(value), not 0")
            }
            if m > 0 && value < raw[m - 1] {
                throw .damagedDataset(file: file, dataset: indptrDataset.path,
                                      reason: "it decreases at \(majorName) \(m - 1) (\(raw[m - 1]) then \(value)): not monotone")
            }
        }
        if let last = result.last, last != storedCount {
            throw .damagedDataset(file: file, dataset: indptrDataset.path,
                                  reason: "its last entry is \(last), but '\(data.path)' holds \(storedCount) values")
        }
        cachedIndptr = result
        return result
    }

    /// Calls `body` with consecutive bands of the major elements `majors`: the band, its
    /// offsets (band count + 1, from 0), minor indices and values as float64.
    ///
    /// A band holds about `bandBytes / 16` stored values (at least one major element), so
    /// memory is O(`bandBytes` + the largest major element).
    ///
    /// - Throws: `.damagedDataset` for an index outside the minor axis or repeated within its
    ///   major element (naming it); `.readFailed` on read errors
    ///   (a damaged chunk, a compression filter this libhdf5 lacks).
    /// - Complexity: O(stored values of `majors`), plus a sort of each unsorted major element.
    func forEachBand(_ majors: Range<Int>, bandBytes: Int,
                     _ body: (Range<Int>, [Int], [Int], [Double]) throws(MIBatchError) -> Void) throws(MIBatchError) {
        let pointers = try indptr()
        let limit = max(1, bandBytes / 16)
        var start = majors.lowerBound
        while start < majors.upperBound {
            var end = start + 1
            while end < majors.upperBound && pointers[end + 1] - pointers[start] <= limit { end += 1 }
            let range = pointers[start]..<pointers[end]
            let band = start..<end
            let rawIndices = try read(indices, range, majors: band) { dataset, range throws(HDF5Error) in try dataset.readInt64(range) }
            let values = try read(data, range, majors: band) { dataset, range throws(HDF5Error) in try dataset.readDoubles(range) }
            var offsets = [Int](repeating: 0, count: band.count + 1)
            var local = [Int](repeating: 0, count: range.count)
            let minors = Int64(minorCount)
            for m in band {
                let lower = pointers[m] - range.lowerBound, upper = pointers[m + 1] - range.lowerBound
                offsets[m - start + 1] = upper
                var previous: Int64 = -1, sorted = true
                for k in lower..<upper {
                    let index = rawIndices[k]
                    guard index >= 0 && index < minors else {
                        throw .damagedDataset(file: file, dataset: indices.path,
                                              reason: "\(majorName) \(m) has index \(index), outside 0..<\(minorCount) (shape \(MIBatchError.format(shape)))")
                    }
                    if index <= previous { sorted = false }
                    previous = index
                    local[k] = Int(index)
                }
                // Unsorted indices are legal (scipy writes them; scanpy's own files have them);
                // a repeated index is not: its dense value would be ambiguous.
                if !sorted {
                    let ordered = local[lower..<upper].sorted()
                    for k in 1..<ordered.count where ordered[k] == ordered[k - 1] {
                        throw .damagedDataset(file: file, dataset: indices.path,
                                              reason: "\(majorName) \(m) holds index \(ordered[k]) twice (duplicate entries)")
                    }
                }
            }
            try body(band, offsets, local, values)
            start = end
        }
    }

    /// One range read, with a failure named by the dataset and the major elements it covers.
    private func read<T>(_ dataset: Dataset, _ range: Range<Int>, majors: Range<Int>,
                         _ reader: (Dataset, Range<Int>) throws(HDF5Error) -> [T]) throws(MIBatchError) -> [T] {
        do { return try reader(dataset, range) } catch {
            guard case let .library(_, _, _, message) = error else { throw .hdf5(error) }
            let minors = 0..<minorCount
            throw .readFailed(file: file, dataset: dataset.path, rows: compression == .rows ? majors : minors,
                              columns: compression == .rows ? minors : majors, message: message)
        }
    }
}
