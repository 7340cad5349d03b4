import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain lines otherwise
/// (at most one per second, plus the last), so logs stay readable.
public final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    private var total = 0
    private var done = 0
    private var passed = 0
    private var startDone = 0
    private var started = Date()
    private var lastPlain = Date.distantPast

    /// `interactive` defaults to whether stderr is a terminal.
    public init(interactive: Bool = isatty(STDERR_FILENO) == 1,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interactive = interactive
        self.write = write
    }

    func start(total: Int, alreadyDone: Int, passedSoFar: Int) {
        lock.lock()
        defer { lock.unlock() }
        self.total = total
        done = alreadyDone
        startDone = alreadyDone
        passed = passedSoFar
        started = Date()
        if alreadyDone > 0 { write("resuming: \(alreadyDone)/\(total) samples already done\n") }
        if interactive { write(bar()) }
    }

    func finished(_ row: ResultRow) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if row.passed { passed += 1 }
        if interactive {
            write(bar())
        } else if Date().timeIntervalSince(lastPlain) >= 1 || done == total {
            lastPlain = Date()
            write("\(status()) | last: \(row.key) \(row.result.verdictText)\n")
        }
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        if interactive { write("\n") }
    }

    private func status() -> String {
        let elapsed = Date().timeIntervalSince(started)
        let fresh = done - startDone
        let rate = elapsed > 0 ? Double(fresh) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : nil
        let rateText = rate >= 1 ? String(format: "%.1f/s", rate) : String(format: "%.1f/min", rate * 60)
        return "\(done)/\(total) samples, passed \(passed) | \(rateText) | ETA \(eta.map(Self.duration) ?? "?")"
    }

    private func bar() -> String {
        let width = 30
        let filled = total > 0 ? width * done / total : width
        return "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + status() + "\u{1B}[K"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" }
        if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
        return "\(s)s"
    }
}
