import HDF5

/// Plain-text descriptions of HDF5 files for `mibatch inspect`.
public enum Inspector {
    /// Lists every dataset (path, shape, dtype, chunking, filters) and, for a mibatch
    /// output, its provenance attributes and status counts.
    ///
    /// - Throws: `MIBatchError.hdf5` when the file cannot be opened.
    public static func describe(_ path: String) throws(MIBatchError) -> String {
        do {
            let file = try File.open(path)
            var lines = ["\(path)"]
            lines.append("datasets:")
            let objects = try file.objects()
            for (objectPath, kind) in objects where kind == .dataset {
                let dataset = try file.dataset(objectPath)
                let shape = "(" + dataset.shape.map(String.init).joined(separator: ", ") + ")"
                let chunks = dataset.chunkShape.map { "chunks (" + $0.map(String.init).joined(separator: ", ") + ")" } ?? "contiguous"
                let filters = dataset.filters.isEmpty ? "no filters" : dataset.filters.joined(separator: " + ")
                var line = "  \(objectPath)  \(shape)  \(dataset.elementType)  \(chunks), \(filters)"
                if let scale0 = dataset.attachedScaleName(dimension: 0) {
                    let scale1 = dataset.shape.count > 1 ? dataset.attachedScaleName(dimension: 1) : nil
                    line += "  dims [\(scale0)\(scale1.map { ", " + $0 } ?? "")]"
                }
                lines.append(line)
            }
            let groups = objects.filter { $0.kind == .group }.map(\.path)
            if !groups.isEmpty { lines.append("groups: " + groups.joined(separator: ", ")) }

            let attributeNames = try file.attributeNames()
            if attributeNames.contains("tool"), case .string("mibatch")? = try file.attribute("tool") {
                lines.append("mibatch provenance:")
                for name in attributeNames {
                    if let value = try file.attribute(name) { lines.append("  \(name): \(value)") }
                }
                if file.contains("/status") {
                    let status = try file.dataset("/status").readBytes()
                    var counts = [0, 0, 0, 0]
                    for code in status { counts[min(Int(code), 3)] += 1 }
                    lines.append("status: \(counts[1]) computed, \(counts[2]) failed, \(counts[0]) not computed (entries, both triangles and diagonal)")
                }
            } else if !attributeNames.isEmpty {
                lines.append("root attributes:")
                for name in attributeNames {
                    if let value = try file.attribute(name) { lines.append("  \(name): \(value)") }
                }
            }
            return lines.joined(separator: "\n")
        } catch {
            throw .hdf5(error)
        }
    }
}
