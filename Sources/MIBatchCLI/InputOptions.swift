import ArgumentParser
import MIBatch

/// Options about the input's format and which of its variables a run uses.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Input format: auto (default: detected from the file's encoding attributes and layout), \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "FORMAT"))
    var format: String = "auto"

    @Option(help: ArgumentHelp("AnnData or loom: read layers/NAME instead of the main matrix.", valueName: "NAME"))
    var layer: String?

    @Flag(help: "AnnData: read raw/X, with the gene names of raw/var.")
    var raw = false

    @Option(name: .customLong("feature-type"), help: ArgumentHelp("10x Genomics: the feature type whose features are variables (default: Gene Expression).", valueName: "TYPE"))
    var featureType: String?

    @Option(help: ArgumentHelp("Only these variables: a comma-separated list of names (or feature ids), or a file with one per line.", valueName: "FILE|LIST"))
    var genes: String?

    @Option(name: .customLong("top-variable"), help: ArgumentHelp("Keep the N variables with the largest variance of log1p values (after --genes and --min-cells).", valueName: "N"))
    var topVariable: Int?

    @Option(name: .customLong("min-cells"), help: ArgumentHelp("Keep variables that are non-zero in at least this many samples.", valueName: "COUNT"))
    var minCells: Int?

    /// `--format` resolved: `nil` for auto.
    var resolvedFormat: InputFormat? { format == "auto" ? nil : InputFormat(rawValue: format) }

    func validate() throws {
        guard format == "auto" || InputFormat(rawValue: format) != nil else {
            throw ValidationError("--format: '\(format)' is not one of auto, \(InputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let topVariable { guard topVariable >= 1 else { throw ValidationError("--top-variable must be at least 1 (got \(topVariable))") } }
        if let minCells { guard minCells >= 0 else { throw ValidationError("--min-cells must be at least 0 (got \(minCells))") } }
    }
}
