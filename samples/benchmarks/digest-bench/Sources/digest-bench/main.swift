// Hashes 1 GiB of pseudo-random bytes in updates of N bytes (default 1 MiB) and prints the
// throughput in MB/s (10^6 bytes per second) and the digest.
import Foundation

let chunk = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 1 << 20
var buffer = [UInt8](repeating: 0, count: chunk)
var state: UInt64 = 1
for i in buffer.indices {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    buffer[i] = UInt8(truncatingIfNeeded: state >> 33)
}
let total = 1 << 30
var hasher = SHA256Hasher()
let clock = ContinuousClock()
let start = clock.now
buffer.withUnsafeBytes { bytes in
    for _ in 0..<(total / chunk) { hasher.update(bytes) }
}
let digest = hasher.finalize()
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
print("SHA256Hasher, \(chunk)-byte updates: \(String(format: "%.0f", Double(total) / seconds / 1e6)) MB/s (\(String(format: "%.2f", seconds)) s for 1 GiB), \(digest)")
