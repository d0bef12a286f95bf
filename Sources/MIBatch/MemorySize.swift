import Foundation

/// Memory sizes: parsing `--memory` values, the default budget, and the process's peak RSS.
public enum MemorySize {
    /// Fraction of physical memory used when `--memory` is not given.
    public static let defaultFraction = 0.5

    /// Parses `512M`, `2G`, `1.5G`, `800K`, `1T` or a plain byte count (binary units: 1K = 1024).
    ///
    /// - Returns: bytes, or `nil` when the text is not a size.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var number = trimmed
        var factor = 1.0
        if let unit = units[last] {
            factor = unit
            number = String(trimmed.dropLast())
        } else if last == "I", let unit = trimmed.dropLast().last.flatMap({ units[$0] }) {
            factor = unit                                                      // "Gi"
            number = String(trimmed.dropLast(2))
        } else if last == "B", trimmed.count > 1 {
            return parse(String(trimmed.dropLast()))                           // "GB", "GiB", "B"
        }
        guard let value = Double(number), value > 0, value.isFinite else { return nil }
        let bytes = value * factor
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }

    /// `1.5 GiB`-style text.
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Physical memory of this machine (or of the cgroup/SLURM limit when smaller).
    public static var physical: Int {
        var bytes = Int(ProcessInfo.processInfo.physicalMemory)
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0, limit < bytes {
                bytes = limit
            }
        }
        return bytes
    }

    /// The default budget: `defaultFraction` of `physical`.
    public static var defaultBudget: Int { Int(Double(physical) * defaultFraction) }

    /// Peak resident set size of this process so far, in bytes.
    ///
    /// Linux: `VmHWM` from /proc/self/status, the high-water mark of this program's own
    /// address space. `getrusage`'s `ru_maxrss` (the fallback) survives `exec`, so under
    /// `swift run` it would report swift-run's own peak (about 120 MiB) instead of ours.
    /// Darwin: `ru_maxrss`, which is in bytes there (KiB on Linux).
    public static var peakResident: Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") {
            return kib * 1024
        }
        #endif
        return maximumResidentFromRusage
    }

    /// `getrusage(RUSAGE_SELF).ru_maxrss` in bytes (the platforms differ in unit and in how
    /// `RUSAGE_SELF` is imported).
    static var maximumResidentFromRusage: Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
        #endif
    }
}
