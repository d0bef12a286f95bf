import HDF5

/// Reading AnnData's `obs`/`var` frames (their index: cell and gene names) and the
/// encoding of its matrices, from metadata and string arrays only.
enum AnnDataLayout {
    /// How a matrix object of an AnnData file is encoded.
    enum Encoding: Equatable {
        /// A 2-D numeric dataset.
        case dense
        /// A sparse group: compressed by rows (CSR) or columns (CSC), with its shape and
        /// the label recorded (`csr_matrix`, `csc_matrix`, `csr (h5sparse)`...).
        case sparse(SparseMatrix.Compression, shape: [Int]?, label: String)
    }

    /// The encoding of `path`, or `nil` when it is neither a dataset nor a group carrying
    /// AnnData's (`encoding-type` `csr_matrix`/`csc_matrix`) or the legacy h5sparse
    /// (`h5sparse_format` `csr`/`csc`) sparse attributes. The shape is `nil` when the
    /// group lacks its shape attribute.
    static func encoding(_ file: File, _ path: String) -> Encoding? {
        switch file.kind(of: path) {
        case .dataset?: return .dense
        case .group?:
            guard let group = try? file.group(path) else { return nil }
            func text(_ name: String) -> String? {
                if case let .string(value)? = try? group.attribute(name) { return value }
                return nil
            }
            func shape(_ name: String) -> [Int]? {
                guard case let .doubles(values)? = try? group.attribute(name), values.count == 2,
                      values.allSatisfy({ $0 >= 0 && $0 < 0x1p62 && $0 == $0.rounded() }) else { return nil }
                return values.map { Int($0) }
            }
            switch text("encoding-type") {
            case "csr_matrix"?: return .sparse(.rows, shape: shape("shape"), label: "csr_matrix")
            case "csc_matrix"?: return .sparse(.columns, shape: shape("shape"), label: "csc_matrix")
            default: break
            }
            switch text("h5sparse_format") {
            case "csr"?: return .sparse(.rows, shape: shape("h5sparse_shape"), label: "csr (h5sparse, legacy)")
            case "csc"?: return .sparse(.columns, shape: shape("h5sparse_shape"), label: "csc (h5sparse, legacy)")
            default: return nil
            }
        default: return nil
        }
    }

    /// The index (row names) of the frame at `path`: a group whose `_index` attribute names
    /// the column dataset (strings, or categorical: `categories` + `codes`), or a legacy
    /// compound dataset with an `index` field.
    ///
    /// - Throws: `.badNames` naming the frame when it is missing, of another length than
    ///   `count`, or its index cannot be read as strings.
    static func index(_ file: File, frame path: String, count: Int, input: String) throws(MIBatchError) -> [String] {
        let source = "'\(path)'"
        switch file.kind(of: path) {
        case .group?:
            let group: Group
            do { group = try file.group(path) } catch { throw .hdf5(error) }
            var column = "_index"
            if case let .string(name)? = try? group.attribute("_index") { column = name }
            let columnPath = group.child(column)
            let names: [String]
            switch file.kind(of: columnPath) {
            case .dataset?: names = try FormatNames.strings(file, columnPath, count: count, input: input)
            case .group?: names = try categorical(file, columnPath, count: count, input: input)
            default: throw .badNames(file: input, source: source, reason: "its index column '\(columnPath)' (named by its _index attribute) does not exist")
            }
            return names
        case .dataset?:
            do {
                let dataset = try file.dataset(path)
                let fields = dataset.compoundFieldNames
                guard let field = fields.first(where: { $0 == "index" }) ?? fields.first(where: { $0 == "_index" }) else {
                    throw MIBatchError.badNames(file: input, source: source, reason: "a legacy compound frame without an 'index' field (fields: \(fields.joined(separator: ", ")))")
                }
                let names = try dataset.readStrings(field: field)
                guard names.count == count else {
                    throw MIBatchError.badNames(file: input, source: source, reason: "\(names.count) names for \(count) entries")
                }
                return names
            } catch let error as MIBatchError {
                throw error
            } catch let error as HDF5Error {
                if case .unsupportedType = error { throw .badNames(file: input, source: source, reason: "its index is not strings") }
                throw .hdf5(error)
            } catch {
                throw .invalidOption("\(error)")
            }
        default:
            throw .badNames(file: input, source: source, reason: "the frame does not exist")
        }
    }

    /// A categorical column: `codes[i]` indexes `categories` (−1, missing, reads as `nan`).
    static func categorical(_ file: File, _ path: String, count: Int, input: String) throws(MIBatchError) -> [String] {
        let categories = try FormatNames.strings(file, path + "/categories", count: nil, input: input)
        let codes: [Int64]
        do {
            let dataset = try file.dataset(path + "/codes")
            guard dataset.shape == [count] else {
                throw MIBatchError.badNames(file: input, source: "'\(path)/codes'", reason: "shape \(MIBatchError.format(dataset.shape)) for \(count) entries")
            }
            codes = try dataset.readInt64(0..<count)
        } catch let error as MIBatchError {
            throw error
        } catch let error as HDF5Error {
            throw .hdf5(error)
        } catch {
            throw .invalidOption("\(error)")
        }
        return try codes.map { (code) throws(MIBatchError) -> String in
            if code < 0 { return "nan" }
            guard code < categories.count else {
                throw .badNames(file: input, source: "'\(path)/codes'", reason: "code \(code) outside the \(categories.count) categories")
            }
            return categories[Int(code)]
        }
    }

    /// The members of the group at `path`, or `[]` when there is none.
    static func members(_ file: File, _ path: String) -> [String] {
        guard file.kind(of: path) == .group, let group = try? file.group(path) else { return [] }
        return (try? group.memberNames()) ?? []
    }
}
