import Foundation

/// Reports progress on stderr while a run computes.
///
/// On a terminal: one line rewritten in place about four times a second. Otherwise (SLURM
/// logs, pipes): a plain line every `interval` seconds. Silent when `quiet`.
final class ProgressReporter: @unchecked Sendable {
    private let total: Int
    private let done: @Sendable () -> Int
    private let interval: Double
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private let stop = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(total: Int, interval: Double, quiet: Bool, done: @escaping @Sendable () -> Int) {
        self.total = total
        self.done = done
        self.interval = interval
        guard !quiet, total > 0 else { return }
        let period = isTerminal ? 0.25 : max(0.1, interval)
        let thread = Thread { [self] in
            while stop.wait(timeout: .now() + period) == .timedOut {
                write(line(), final: false)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops reporting; on a terminal, clears the live line.
    func finish() {
        guard thread != nil else { return }
        stop.signal()
        while !(thread?.isFinished ?? true) { usleep(1000) }
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    func line() -> String {
        let finished = done()
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(finished) / elapsed : 0
        let remaining = rate > 0 ? Double(total - finished) / rate : .infinity
        let percent = total > 0 ? 100 * Double(finished) / Double(total) : 100
        return String(format: "mibatch: %d/%d pairs (%.0f%%), %.1f pairs/s, elapsed %@, ETA %@",
                      finished, total, percent, rate, Self.duration(elapsed), remaining.isFinite ? Self.duration(remaining) : "?")
    }

    private func write(_ text: String, final: Bool) {
        let output = isTerminal ? "\r\u{1B}[K" + text : text + "\n"
        FileHandle.standardError.write(Data(output.utf8))
    }

    /// `1h02m`, `3m05s`, `12s`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
