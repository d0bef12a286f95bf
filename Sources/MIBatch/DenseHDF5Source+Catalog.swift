import HDF5

/// Resolving the dense source's variables from the file's metadata (no values read).
extension DenseHDF5Source {
    /// Resolves the configured variables of `file` (open read-only) from metadata, with the
    /// datasets they are read from (parallel to the catalog's `datasets`).
    ///
    /// - Throws: `MIBatchError` naming the file and dataset (missing, wrong rank or type,
    ///   no samples, bad names, bad column groups, data in other files).
    static func resolve(_ configuration: RunConfiguration,
                        file: File) throws(MIBatchError) -> (InputCatalog, [Dataset]) {
        func describe(_ path: String, requireRank2: Bool) throws(MIBatchError) -> (Dataset, DatasetDescription) {
            // Look at the links before opening: opening follows an external link into another file.
            if !configuration.allowExternal, let external = file.externalLink(on: path) {
                throw .externalData(file: file.path, dataset: path, detail: external.description)
            }
            let dataset: Dataset
            do { dataset = try file.dataset(path) } catch { throw .hdf5(error) }
            if !configuration.allowExternal, let external = dataset.externalData {
                throw .externalData(file: file.path, dataset: path, detail: external.description)
            }
            if let storage = dataset.contiguousStorage, storage.allocated != storage.needed {
                throw .damagedDataset(file: file.path, dataset: path,
                                      reason: "its shape \(MIBatchError.format(dataset.shape)) needs \(storage.needed) bytes but \(storage.allocated) are stored")
            }
            let type = dataset.elementType
            guard type.isNumeric else { throw .hdf5(.unsupportedType(file: file.path, dataset: path, type: type.description)) }
            let shape = dataset.shape
            guard shape.count == 2 || (!requireRank2 && shape.count == 1) else {
                let layout = configuration.transpose ? "variables × samples" : "samples × variables"
                let reason: String
                switch (requireRank2, shape.count) {
                case (_, 0): reason = "a scalar holds no samples; expected a \(requireRank2 ? "2-D dataset (\(layout))" : "1-D or 2-D dataset")"
                case (true, 1): reason = "expected a 2-D dataset (\(layout)); for a 1-D dataset (one variable) use --var \(path)"
                case (true, _): reason = "expected a 2-D dataset (\(layout))"
                default: reason = "expected a 1-D or 2-D dataset (samples × dimensions)"
                }
                throw .badShape(file: file.path, dataset: path, shape: shape, reason: reason)
            }
            let description = DatasetDescription(path: path, shape: shape, dtype: type.description, chunks: dataset.chunkShape,
                                                 transposed: configuration.transpose && shape.count == 2)
            guard description.samples >= 1, description.variableAxis >= 1 else {
                throw .badShape(file: file.path, dataset: path, shape: shape,
                                reason: "no \(description.samples == 0 ? "samples" : "variables")")
            }
            return (dataset, description)
        }

        switch configuration.variables {
        case .columns, .groups:
            guard let path = configuration.dataset else {
                throw .invalidOption("\(configuration.input) is read as plain HDF5 datasets (no AnnData, 10x or loom layout found): give --dataset PATH (columns as variables) or --var PATH (whole datasets)")
            }
            let (dataset, description) = try describe(path, requireRank2: true)
            let variables: [VariableDescriptor]
            if case let .groups(groups) = configuration.variables {
                variables = try groups.map { group throws(MIBatchError) in
                    guard group.upper <= description.variableAxis else {
                        throw .invalidOption("--variables: '\(group.name)' = \(group.lower):\(group.upper) exceeds the \(description.variableAxis) variables of \(configuration.input):\(path)")
                    }
                    return VariableDescriptor(name: group.name, dataset: 0, columns: group.lower..<group.upper)
                }
            } else {
                // Refuse before making one name per column: a damaged header can claim 10^12 columns.
                let budget = configuration.memory ?? MemorySize.defaultBudget
                let (bytes, overflow) = description.variableAxis.multipliedReportingOverflow(by: 64)
                if overflow || bytes > budget {
                    throw .invalidOption("--memory \(MemorySize.format(budget)) is too small for this run: \(configuration.input):\(path) has \(description.variableAxis) variables, whose names alone need \(overflow ? "more than 8 EiB" : MemorySize.format(bytes))")
                }
                let names = try resolveNames(configuration, file: file, dataset: dataset, count: description.variableAxis)
                variables = names.enumerated().map { VariableDescriptor(name: $1, dataset: 0, columns: $0..<($0 + 1)) }
            }
            return (InputCatalog(file: configuration.input, datasets: [description], variables: variables,
                                 samples: description.samples), [dataset])
        case let .datasets(paths):
            var descriptions: [DatasetDescription] = []
            var opened: [Dataset] = []
            var variables: [VariableDescriptor] = []
            var seen = Set<String>()
            for path in paths {
                guard seen.insert(path).inserted else { throw .invalidOption("--var \(path) is given twice") }
                let (dataset, description) = try describe(path, requireRank2: false)
                if let first = descriptions.first, first.samples != description.samples {
                    throw .badShape(file: configuration.input, dataset: path, shape: description.shape,
                                    reason: "\(description.samples) samples, but '\(first.path)' has \(first.samples)")
                }
                variables.append(VariableDescriptor(name: path, dataset: descriptions.count, columns: 0..<description.variableAxis))
                descriptions.append(description)
                opened.append(dataset)
            }
            return (InputCatalog(file: configuration.input, datasets: descriptions, variables: variables,
                                 samples: descriptions.first?.samples ?? 0), opened)
        }
    }

    /// Names from `--names`, else the dataset's `names` attribute, else `v0`, `v1`, ...
    static func resolveNames(_ configuration: RunConfiguration, file: File, dataset: Dataset,
                             count: Int) throws(MIBatchError) -> [String] {
        let path = configuration.input
        var names: [String]
        var source: String
        if let namesPath = configuration.names {
            source = "dataset '\(namesPath)'"
            // The same rule as for the data: nothing is read from other files unless allowed.
            if !configuration.allowExternal, let external = file.externalLink(on: namesPath) {
                throw .externalData(file: file.path, dataset: namesPath, detail: external.description)
            }
            do {
                let namesDataset = try file.dataset(namesPath)
                if !configuration.allowExternal, let external = namesDataset.externalData {
                    throw MIBatchError.externalData(file: file.path, dataset: namesPath, detail: external.description)
                }
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
