import HDF5

/// Why a run could not start or finish, with everything a user needs to fix it.
///
/// Each case maps to a documented exit status (`exitStatus`, see `mibatch(1)`).
public enum MIBatchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A problem reported by the HDF5 layer (missing file, missing dataset, ...).
    case hdf5(HDF5Error)
    /// The dataset's shape cannot be used (rank, zero rows, ...).
    case badShape(file: String, dataset: String, shape: [Int], reason: String)
    /// A NaN or ±Inf value (with `--nan error`); `column` and `row` are 0-based in the
    /// dataset as stored, `variable` names the variable holding it, `total` counts the
    /// non-finite values of every variable of the run.
    case nonFiniteValue(file: String, dataset: String, column: Int, variable: String, row: Int, value: Double, total: Int)
    /// With `--nan drop-rows`, fewer rows than the estimator needs are left.
    case tooFewFiniteRows(file: String, kept: Int, dropped: Int, required: Int)
    /// The dataset's values come from other files and `--allow-external` was not given.
    case externalData(file: String, dataset: String, detail: String)
    /// The dataset's metadata contradicts itself (for example its stored size does not
    /// match its shape): the file is damaged.
    case damagedDataset(file: String, dataset: String, reason: String)
    /// Reading a block of the input failed (a damaged chunk, a checksum or filter error).
    case readFailed(file: String, dataset: String, rows: Range<Int>, columns: Range<Int>, message: String)
    /// Writing the output failed part way (disk full, quota, I/O error); nothing was left
    /// under the final name and the temporary file was removed.
    case writeFailed(path: String, reason: String)
    /// Too few samples for the estimator (for example n ≤ k for KSG).
    case tooFewSamples(file: String, dataset: String, samples: Int, required: Int)
    /// The variable names are unusable (wrong count, duplicates, not strings).
    case badNames(file: String, source: String, reason: String)
    /// The output already exists and `--force` was not given.
    case outputExists(path: String)
    /// The output path names the input file.
    case outputIsInput(path: String)
    /// The output cannot be created (directory missing, not writable, ...).
    case cannotCreateOutput(path: String, reason: String)
    /// An option value that makes no sense for this input.
    case invalidOption(String)
    /// A checkpoint exists but belongs to another configuration, input or shard.
    case checkpointMismatch(path: String, reason: String)
    /// Shards given to `merge` do not belong together.
    case shardMismatch(file: String, reference: String, reason: String)
    /// Shards are missing (or incomplete); `resubmit` is the `--array=` list to rerun.
    case missingShards(missing: [String], resubmit: String, count: Int, command: String = "run")
    /// The run was interrupted by a signal after checkpointing.
    case interrupted(signal: String, checkpoint: String, done: Int, total: Int)
    /// `inspect --json` or `plot` was given an HDF5 file that is not a mibatch output.
    case notAnOutput(path: String, reason: String)
    /// `network` was given a matrix that is not complete: one shard of a sharded run, a
    /// partial merge, or pairs not computed.
    case partialMatrix(path: String, reason: String)
    /// `network` was given a mibatch output it cannot use (rectangular, matrices not
    /// written, no `/qvalue` for `--fdr`, fewer than 3 variables).
    case unsuitableMatrix(path: String, reason: String)
    /// `--regulators` names variables the matrix does not hold (`names`: the first few).
    case unknownRegulators(file: String, names: [String], count: Int)

    public var description: String {
        switch self {
        case let .hdf5(error):
            return error.description
        case let .badShape(file, dataset, shape, reason):
            return "\(file): dataset '\(dataset)' has shape \(Self.format(shape)): \(reason)"
        case let .nonFiniteValue(file, dataset, column, variable, row, value, total):
            let text = value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")
            let more = total > 1 ? " (\(total) non-finite values in all)" : " (the only non-finite value)"
            return "\(file): dataset '\(dataset)' has \(text) at column \(column) (variable '\(variable)'), row \(row)\(more); "
                + "use --nan drop-rows or --nan pairwise to skip non-finite rows"
        case let .tooFewFiniteRows(file, kept, dropped, required):
            return "\(file): --nan drop-rows dropped \(dropped) rows with non-finite values, leaving \(kept); this estimator needs at least \(required) (try --nan pairwise)"
        case let .externalData(file, dataset, detail):
            return "\(file): dataset '\(dataset)' reads data from other files (\(detail)); refused because a missing source reads as fill values; pass --allow-external to use it"
        case let .damagedDataset(file, dataset, reason):
            return "\(file): dataset '\(dataset)' is damaged: \(reason)"
        case let .readFailed(file, dataset, rows, columns, message):
            return "\(file): dataset '\(dataset)': reading rows \(rows.lowerBound)..<\(rows.upperBound), columns \(columns.lowerBound)..<\(columns.upperBound) failed (the file may be damaged): \(message)"
        case let .writeFailed(path, reason):
            return "\(path): writing the output failed: \(reason); nothing was written under this name"
        case let .tooFewSamples(file, dataset, samples, required):
            return "\(file): dataset '\(dataset)' has \(samples) samples; this estimator needs at least \(required)"
        case let .badNames(file, source, reason):
            return "\(file): variable names from \(source): \(reason)"
        case let .outputExists(path):
            return "\(path): output exists; pass --force to replace it"
        case let .outputIsInput(path):
            return "\(path): the output would overwrite the input; choose another -o"
        case let .cannotCreateOutput(path, reason):
            return "\(path): cannot create output: \(reason)"
        case let .invalidOption(message):
            return message
        case let .checkpointMismatch(path, reason):
            return "\(path): cannot resume from this checkpoint: \(reason); remove it to start over, or rerun with the options that made it"
        case let .shardMismatch(file, reference, reason):
            return "\(file): does not belong with \(reference): \(reason)"
        case let .missingShards(missing, resubmit, count, command):
            return "missing or incomplete shards: \(missing.joined(separator: ", ")); resubmit them with sbatch --array=\(resubmit) and mibatch \(command) --shards \(count)"
                + (command == "run" ? " (SHARDS=\(count) for samples/slurm/mibatch-array.sbatch), or merge --partial" : "")
        case let .interrupted(signal, checkpoint, done, total):
            return "interrupted by \(signal) after \(done) of \(total) pairs; progress saved in \(checkpoint); rerun the same command to resume"
        case let .notAnOutput(path, reason):
            return "\(path): not a mibatch output: \(reason)"
        case let .partialMatrix(path, reason):
            return "\(path): the MI matrix is partial: \(reason); network inference needs every pair (merge all shards with mibatch merge first)"
        case let .unsuitableMatrix(path, reason):
            return "\(path): cannot infer a network from this output: \(reason)"
        case let .unknownRegulators(file, names, count):
            return "\(file): \(count) regulator name\(count == 1 ? "" : "s") not among the matrix's variables: "
                + names.joined(separator: ", ") + (count > names.count ? ", ..." : "")
        }
    }

    /// The process exit status for this error (BSD sysexits values, documented in mibatch(1)).
    public var exitStatus: Int32 {
        switch self {
        case let .hdf5(error):
            switch error {
            case .fileNotFound, .notHDF5, .permissionDenied, .objectNotFound, .notADataset: return ExitStatus.noInput
            case .unsupportedType, .unsupportedRank: return ExitStatus.dataError
            case .library, .fileLocked: return ExitStatus.ioError
            }
        case .badShape, .nonFiniteValue, .tooFewSamples, .tooFewFiniteRows, .badNames, .externalData: return ExitStatus.dataError
        case .readFailed, .writeFailed, .damagedDataset: return ExitStatus.ioError
        case .outputExists, .outputIsInput, .cannotCreateOutput: return ExitStatus.cannotCreate
        case .invalidOption: return ExitStatus.usage
        case .checkpointMismatch, .shardMismatch, .notAnOutput: return ExitStatus.dataError
        case .partialMatrix, .unsuitableMatrix, .unknownRegulators: return ExitStatus.dataError
        case .missingShards: return ExitStatus.incomplete
        case .interrupted: return ExitStatus.interrupted
        }
    }

    static func format(_ shape: [Int]) -> String {
        shape.isEmpty ? "() (scalar)" : "(" + shape.map(String.init).joined(separator: " × ") + ")"
    }
}

/// Documented process exit statuses (see EXIT STATUS in mibatch(1)).
public enum ExitStatus {
    /// Every requested pair was computed.
    public static let success: Int32 = 0
    /// The output was written, but some pairs failed (status 2 in `/status`).
    public static let completedWithFailures: Int32 = 3
    /// `merge`: shards are missing; with `--partial` the partial file was written.
    public static let incomplete: Int32 = 4
    /// Interrupted by SIGTERM/SIGINT after saving a checkpoint; rerun to resume (EX_TEMPFAIL).
    public static let interrupted: Int32 = 75
    /// Invalid command-line usage or option values.
    public static let usage: Int32 = 64
    /// The input data cannot be used (shape, type, non-finite values, names).
    public static let dataError: Int32 = 65
    /// The input file or dataset does not exist or is not HDF5.
    public static let noInput: Int32 = 66
    /// An unexpected internal error.
    public static let software: Int32 = 70
    /// The output cannot be created (exists without --force, unwritable directory).
    public static let cannotCreate: Int32 = 73
    /// Reading or writing HDF5 failed.
    public static let ioError: Int32 = 74
}
