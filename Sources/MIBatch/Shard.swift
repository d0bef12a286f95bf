import Foundation

/// Which part of the plan a run computes: shard `index` (1-based) of `count`.
public struct ShardSpec: Codable, Equatable, Sendable, CustomStringConvertible {
    /// 1-based shard number.
    public var index: Int
    /// Number of shards.
    public var count: Int
    /// Where the shard came from: `option` (`--shard`), `slurm` (array variables) or `none`.
    public var source: String

    /// The whole plan as one shard.
    public static let whole = ShardSpec(index: 1, count: 1, source: "none")

    /// Creates a spec.
    public init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    /// `3/16`.
    public var description: String { "\(index)/\(count)" }

    /// Parses `--shard I/N` (1 ≤ I ≤ N).
    public static func parse(_ text: String) -> ShardSpec? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 1, index <= count else {
            return nil
        }
        return ShardSpec(index: index, count: count, source: "option")
    }

    /// The shard implied by SLURM array variables, when present:
    /// index = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1,
    /// count = SLURM_ARRAY_TASK_COUNT.
    public static func fromSLURM(_ environment: [String: String]) -> ShardSpec? {
        guard let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init),
              let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init),
              let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) else { return nil }
        let step = max(1, environment["SLURM_ARRAY_TASK_STEP"].flatMap(Int.init) ?? 1)
        let index = (id - minimum) / step + 1
        guard count >= 1, index >= 1, index <= count else { return nil }
        return ShardSpec(index: index, count: count, source: "slurm")
    }

    /// The shard of a SLURM array task when the total is known (`--shards N`): array index i
    /// (SLURM_ARRAY_TASK_ID, from `--array=0-(N-1)` or any resubmitted subset) is shard i + 1.
    ///
    /// - Returns: `nil` outside an array task or when the index is outside 0..<N.
    public static func fromSLURM(_ environment: [String: String], count: Int) -> ShardSpec? {
        guard let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init), id >= 0, id < count else { return nil }
        return ShardSpec(index: id + 1, count: count, source: "slurm")
    }

    /// The file a shard writes for `-o output`:
    /// - unsharded: `output` itself;
    /// - `output` contains `{shard}`: replaced by `0003-of-0016`;
    /// - `output` is a directory (exists, or ends in `/`): `output/shard-0003-of-0016.h5`;
    /// - otherwise `.shard-0003-of-0016` is inserted before the extension (`mi.h5` → `mi.shard-0003-of-0016.h5`).
    public func outputPath(for output: String) -> String {
        guard count > 1 || source != "none" else { return output }
        let tag = String(format: "%04d-of-%04d", index, count)
        if output.contains("{shard}") { return output.replacingOccurrences(of: "{shard}", with: tag) }
        var isDirectory: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue) {
            return URL(fileURLWithPath: output).appendingPathComponent("shard-\(tag).h5").path
        }
        let url = URL(fileURLWithPath: output)
        let ext = url.pathExtension
        let stem = ext.isEmpty ? output : String(output.dropLast(ext.count + 1))
        return stem + ".shard-\(tag)" + (ext.isEmpty ? "" : "." + ext)
    }
}
