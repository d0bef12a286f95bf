import Foundation
import HDF5
import MINetwork

/// Text formats `mibatch network --export` writes beside the HDF5 network file.
public enum NetworkExportFormat: String, CaseIterable, Sendable {
    /// Tab-separated edge list with a header: `source target weight mi [qvalue]` (igraph,
    /// Cytoscape's table import, R's `read.delim`).
    case tsv
    /// GraphML (undirected; every node with its `name`, every edge with `weight`, `mi` and,
    /// when known, `qvalue`): Cytoscape, Gephi, igraph, networkx.
    case graphml
}

/// Writes the `--export` files: `STEM.METHOD.tsv` / `STEM.METHOD.graphml`, where STEM is
/// the output path without its extension.
enum NetworkExport {
    /// The export paths, in (method, format) order.
    static func paths(output: String, methods: [NetworkMethod], formats: [NetworkExportFormat]) -> [String] {
        let url = URL(fileURLWithPath: output)
        let stem = url.pathExtension.isEmpty ? output : String(output.dropLast(url.pathExtension.count + 1))
        var seen: [String] = []
        for method in methods { for format in formats {
            let path = "\(stem).\(method.rawValue).\(format.rawValue)"
            if !seen.contains(path) { seen.append(path) }
        } }
        return seen
    }

    /// Fails like ``NetworkWriter/preflight(_:)`` for an export file that exists without `force`.
    static func preflight(_ configuration: NetworkConfiguration) throws(MIBatchError) {
        for path in paths(output: configuration.output, methods: configuration.methods, formats: configuration.exports)
        where !configuration.force && FileManager.default.fileExists(atPath: path) {
            throw .outputExists(path: path)
        }
    }

    /// Writes every export file (each atomically); returns their paths.
    static func write(_ networks: [NetworkResult], names: [String], units: String, formats: [NetworkExportFormat],
                      output: String, overwrite: Bool) throws(MIBatchError) -> [String] {
        var written: [String] = []
        for network in networks {
            for format in formats {
                let path = paths(output: output, methods: [network.method], formats: [format])[0]
                let text = format == .tsv ? tsv(network, names: names) : graphML(network, names: names, units: units)
                try NetworkWriter.atomically(path, overwrite: overwrite) { temporary throws(HDF5Error) in
                    guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
                        throw HDF5Error.library(operation: "write \(format.rawValue)", file: path, object: "", message: "cannot create the file")
                    }
                }
                written.append(path)
            }
        }
        return written
    }

    /// A number with 17 significant digits (reads back as the same double).
    static func number(_ value: Double) -> String { String(format: "%.17g", value) }

    /// The TSV text.
    static func tsv(_ network: NetworkResult, names: [String]) -> String {
        var lines = ["source\ttarget\tweight\tmi" + (network.q == nil ? "" : "\tqvalue")]
        for (index, edge) in network.edges.enumerated() {
            var line = "\(names[Int(edge.u)])\t\(names[Int(edge.v)])\t\(number(edge.weight))\t\(number(edge.mi))"
            if let q = network.q { line += "\t" + number(q[index]) }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The GraphML text (nodes `n0`…, in variable order, named by the `name` attribute).
    static func graphML(_ network: NetworkResult, names: [String], units: String) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
              <key id="name" for="node" attr.name="name" attr.type="string"/>
              <key id="weight" for="edge" attr.name="weight" attr.type="double"/>
              <key id="mi" for="edge" attr.name="mi" attr.type="double"/>

            """
        if network.q != nil { out += "  <key id=\"qvalue\" for=\"edge\" attr.name=\"qvalue\" attr.type=\"double\"/>\n" }
        out += "  <graph id=\"\(network.method.rawValue)\" edgedefault=\"undirected\">\n"
        out += "    <desc>\(network.method.rawValue) network by mibatch; mi in \(escaped(units))</desc>\n"
        for (index, name) in names.enumerated() {
            out += "    <node id=\"n\(index)\"><data key=\"name\">\(escaped(name))</data></node>\n"
        }
        for (index, edge) in network.edges.enumerated() {
            out += "    <edge source=\"n\(edge.u)\" target=\"n\(edge.v)\"><data key=\"weight\">\(number(edge.weight))</data>"
                + "<data key=\"mi\">\(number(edge.mi))</data>"
            if let q = network.q, q[index].isFinite { out += "<data key=\"qvalue\">\(number(q[index]))</data>" }
            out += "</edge>\n"
        }
        return out + "  </graph>\n</graphml>\n"
    }

    /// XML character escapes.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
