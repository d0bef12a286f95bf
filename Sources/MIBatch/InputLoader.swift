import HDF5
import MIEstimators

/// One variable of the input: its name and its samples.
public struct InputVariable: Sendable {
    /// Name used for `/var_i`, `/var_j`.
    public var name: String
    /// n samples × d dimensions.
    public var data: VariableData

    /// Creates a variable.
    public init(name: String, data: VariableData) {
        self.name = name
        self.data = data
    }
}

/// What was read from one dataset, for provenance.
public struct DatasetDescription: Sendable, Equatable {
    /// Creates a description.
    public init(path: String, shape: [Int], dtype: String) {
        self.path = path
        self.shape = shape
        self.dtype = dtype
    }

    /// Path inside the input file.
    public var path: String
    /// Shape as stored.
    public var shape: [Int]
    /// Element type as stored (for example `float32`).
    public var dtype: String
}

/// The input as read: variables, names and a description for provenance.
public struct LoadedInput: Sendable {
    /// The variables, in input order.
    public var variables: [InputVariable]
    /// Number of samples (rows, or columns with `--transpose`).
    public var samples: Int
    /// The datasets read, in order.
    public var datasets: [DatasetDescription]
    /// `sha256:<hex>` of the values read, as little-endian float64, row-major as stored,
    /// datasets in order.
    public var digest: String

    /// Creates a loaded input (used by tests and by the loader).
    public init(variables: [InputVariable], samples: Int, datasets: [DatasetDescription], digest: String) {
        self.variables = variables
        self.samples = samples
        self.datasets = datasets
        self.digest = digest
    }
}

/// Reads input datasets into variables, on the calling thread (HDF5 stays off workers).
public enum InputLoader {
    /// Rows read per HDF5 call: bounds the conversion buffer, keeps reads large.
    static let rowBlock = 4096

    /// Opens `configuration.input` read-only and forms the configured variables.
    ///
    /// - Throws: `MIBatchError` naming the file, dataset and, for bad values, column and row.
    /// - Complexity: O(n · p) time and memory.
    public static func load(_ configuration: RunConfiguration) throws(MIBatchError) -> LoadedInput {
        let file: File
        do { file = try File.open(configuration.input, mode: .readOnly) } catch { throw .hdf5(error) }
        var hasher = SHA256()
        switch configuration.variables {
        case .columns, .groups:
            guard let datasetPath = configuration.dataset else {
                throw .invalidOption("--dataset is required (or name whole datasets with --var)")
            }
            let (dataset, table) = try readTable(file, datasetPath, transpose: configuration.transpose,
                                                 requireRank2: true, hasher: &hasher)
            let description = DatasetDescription(path: datasetPath, shape: dataset.shape, dtype: dataset.elementType.description)
            let variables: [InputVariable]
            if case let .groups(groups) = configuration.variables {
                variables = try groups.map { group throws(MIBatchError) in
                    guard group.upper <= table.columns.count else {
                        throw .invalidOption("--variables: '\(group.name)' = \(group.lower):\(group.upper) exceeds the \(table.columns.count) variables of \(configuration.input):\(datasetPath)")
                    }
                    return InputVariable(name: group.name, data: VariableData(columns: Array(table.columns[group.lower..<group.upper])))
                }
            } else {
                let names = try resolveNames(configuration, file: file, dataset: dataset, count: table.columns.count)
                variables = zip(names, table.columns).map { InputVariable(name: $0, data: VariableData(column: $1)) }
            }
            return LoadedInput(variables: variables, samples: table.samples, datasets: [description],
                               digest: "sha256:" + hasher.finalize())
        case let .datasets(paths):
            var variables: [InputVariable] = []
            var descriptions: [DatasetDescription] = []
            for path in paths {
                let (dataset, table) = try readTable(file, path, transpose: configuration.transpose,
                                                     requireRank2: false, hasher: &hasher)
                if let first = variables.first, first.data.count != table.samples {
                    throw .badShape(file: configuration.input, dataset: path, shape: dataset.shape,
                                    reason: "\(table.samples) samples, but '\(first.name)' has \(first.data.count)")
                }
                variables.append(InputVariable(name: path, data: VariableData(columns: table.columns)))
                descriptions.append(DatasetDescription(path: path, shape: dataset.shape, dtype: dataset.elementType.description))
            }
            return LoadedInput(variables: variables, samples: variables.first?.data.count ?? 0, datasets: descriptions,
                               digest: "sha256:" + hasher.finalize())
        }
    }

    /// A dataset read as columns along the variables axis.
    struct Table {
        var columns: [[Double]]
        var samples: Int
    }

    /// Reads a 2-D (or, when allowed, 1-D) numeric dataset in row blocks, checking every
    /// value is finite and feeding the digest.
    static func readTable(_ file: File, _ path: String, transpose: Bool, requireRank2: Bool,
                          hasher: inout SHA256) throws(MIBatchError) -> (Dataset, Table) {
        let dataset: Dataset
        do { dataset = try file.dataset(path) } catch { throw .hdf5(error) }
        let shape = dataset.shape
        let fileName = file.path
        guard shape.count == 2 || (!requireRank2 && shape.count == 1) else {
            let layout = transpose ? "variables × samples" : "samples × variables"
            throw .badShape(file: fileName, dataset: path, shape: shape,
                            reason: requireRank2 ? "expected a 2-D dataset (\(layout))" : "expected a 1-D or 2-D dataset")
        }
        let type = dataset.elementType
        guard type.isNumeric else { throw .hdf5(.unsupportedType(file: fileName, dataset: path, type: type.description)) }
        let rows = shape[0], columns = shape.count == 2 ? shape[1] : 1
        let oneD = shape.count == 1
        let samples = transpose && !oneD ? columns : rows
        let variableCount = transpose && !oneD ? rows : columns
        guard variableCount >= 1, samples >= 1 else {
            throw .badShape(file: fileName, dataset: path, shape: shape, reason: "no \(samples == 0 ? "samples" : "variables")")
        }
        var table = Table(columns: [[Double]](repeating: [Double](repeating: 0, count: samples), count: variableCount),
                          samples: samples)
        var firstBad: (column: Int, row: Int, value: Double)? = nil
        var badCount = 0
        var whole: [Double]? = nil
        if oneD { do { whole = try dataset.readAll() } catch { throw .hdf5(error) } }
        var start = 0
        while start < rows {
            let end = min(rows, start + rowBlock)
            var block: [Double]
            if let whole {
                block = Array(whole[start..<end])
            } else {
                do { block = try dataset.read(rows: start..<end, columns: 0..<columns) } catch { throw .hdf5(error) }
            }
            block.withUnsafeBytes { hasher.update($0) }
            for r in 0..<(end - start) {
                let row = start + r
                for c in 0..<columns {
                    let value = block[r * columns + c]
                    if !value.isFinite {
                        badCount += 1
                        if firstBad == nil { firstBad = (c, row, value) }
                    }
                    if transpose && !oneD { table.columns[row][c] = value } else { table.columns[c][row] = value }
                }
            }
            start = end
        }
        if let bad = firstBad {
            throw .nonFiniteValue(file: fileName, dataset: path, column: bad.column, row: bad.row, value: bad.value, total: badCount)
        }
        return (dataset, table)
    }

    /// Names from `--names`, else the dataset's `names` attribute, else `v0`, `v1`, ...
    static func resolveNames(_ configuration: RunConfiguration, file: File, dataset: Dataset,
                             count: Int) throws(MIBatchError) -> [String] {
        let path = configuration.input
        var names: [String]
        var source: String
        if let namesPath = configuration.names {
            source = "dataset '\(namesPath)'"
            do {
                let namesDataset = try file.dataset(namesPath)
                guard namesDataset.shape.count == 1 else {
                    throw MIBatchError.badNames(file: path, source: source, reason: "expected a 1-D dataset, found shape \(MIBatchError.format(namesDataset.shape))")
                }
                names = try namesDataset.readStrings()
            } catch let error as MIBatchError {
                throw error
            } catch let error as HDF5Error {
                if case .unsupportedType = error {
                    throw .badNames(file: path, source: source, reason: "not a dataset of strings")
                }
                throw .hdf5(error)
            } catch {
                throw .invalidOption("\(error)")
            }
        } else if case let .strings(list)? = try? dataset.attribute("names") {
            names = list
            source = "attribute 'names' of '\(dataset.path)'"
        } else {
            return (0..<count).map { "v\($0)" }
        }
        guard names.count == count else {
            throw .badNames(file: path, source: source, reason: "\(names.count) names for \(count) variables")
        }
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if let first = seen[name] {
                throw .badNames(file: path, source: source, reason: "duplicate name '\(name)' at positions \(first) and \(index)")
            }
            seen[name] = index
        }
        return names
    }
}
