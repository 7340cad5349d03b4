import ArgumentParser
import Foundation
import Sandbox

/// `tolerator bench sandbox`: isolated executions/s against plain `python3` in the same run.
struct BenchSandbox: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Throughput of trivial programs in the sandbox vs. a plain python3 subprocess.",
        discussion: """
            Each round runs the same --programs trivial MBPP-form programs (a one-line function \
            and three asserts) through the sandbox (full isolation, harness, verdicts) and as \
            plain `python3 -I -c <program>` subprocesses, both --workers wide, alternating which \
            goes first. Prints the median executions/s of each and the ratio (target >= 0.5).
            """)

    @Option(parsing: .unconditional, help: "Programs per round.")
    var programs = 40

    @Option(parsing: .unconditional, help: "Timed rounds (after one warm-up round).")
    var rounds = 5

    @OptionGroup var sandbox: SandboxOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        try sandbox.validateSandbox()
        try OptionRange.check("--programs", programs, in: OptionRange.programs)
        try OptionRange.check("--rounds", rounds, in: OptionRange.repetitions)
    }

    struct Report: Encodable {
        var profile: String
        var isolation: String
        var workers: Int
        var programs: Int
        var rounds: Int
        var sandboxedPerSecond: Double
        var plainPerSecond: Double
        var ratio: Double
        var sandboxedFailures: Int
        var plainFailures: Int
    }

    func run() throws {
        let runner = try sandbox.makeRunner()
        let width = sandbox.workers ?? ProcessInfo.processInfo.activeProcessorCount
        let batch = (0..<programs).map { i in
            Program.mbpp(code: "def bump(x):\n    return x + \(i)\n", setup: "",
                         tests: ["assert bump(1) == \(1 + i)", "assert bump(-\(i)) == 0", "assert bump(0) != -1"])
        }
        let interpreter = runner.profile.interpreter
        var sandboxed: [Double] = [], plain: [Double] = []
        var sandboxedFailures = 0, plainFailures = 0
        for round in 0...rounds {
            func timeSandbox() -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                let results = runner.runAll(batch, workers: width, rerunTimeouts: false)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if round > 0 { sandboxedFailures += results.filter { !$0.passed }.count }
                return Double(batch.count) / seconds
            }
            func timePlain() -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                let failures = PlainPython.runAll(batch.map(\.plainScript), interpreter: interpreter, workers: width)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if round > 0 { plainFailures += failures }
                return Double(batch.count) / seconds
            }
            let (s, p) = round % 2 == 0 ? (timeSandbox(), timePlain()) : { let p = timePlain(); return (timeSandbox(), p) }()
            if round > 0 {
                sandboxed.append(s)
                plain.append(p)
            }
        }
        let report = Report(
            profile: runner.profile.name, isolation: runner.profile.isolation.rawValue, workers: width,
            programs: programs, rounds: rounds, sandboxedPerSecond: median(sandboxed), plainPerSecond: median(plain),
            ratio: median(sandboxed) / median(plain), sandboxedFailures: sandboxedFailures, plainFailures: plainFailures)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("profile: \(report.profile) (\(report.isolation)), \(width) workers, \(programs) programs x \(rounds) rounds")
        print(String(format: "sandboxed: %.1f executions/s (median)", report.sandboxedPerSecond))
        print(String(format: "plain python3: %.1f executions/s (median)", report.plainPerSecond))
        print(String(format: "ratio: %.2fx (target >= 0.50)", report.ratio))
        if sandboxedFailures + plainFailures > 0 {
            print("WARNING: \(sandboxedFailures) sandboxed and \(plainFailures) plain runs did not pass")
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// The unsandboxed baseline: `python3 -I -c script`, output discarded.  Benchmark only.
enum PlainPython {
    /// Runs every script `workers` wide; returns how many exited non-zero.
    static func runAll(_ scripts: [String], interpreter: String, workers: Int) -> Int {
        let counter = Counter()
        SandboxRunner.onThreads(max(1, min(workers, scripts.count))) {
            while let index = counter.nextIndex(below: scripts.count) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: interpreter)
                process.arguments = ["-I", "-c", scripts[index]]
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                var ok = false
                if (try? process.run()) != nil {
                    process.waitUntilExit()
                    ok = process.terminationStatus == 0
                }
                if !ok { counter.fail() }
            }
        }
        return counter.failures
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var failed = 0

        func nextIndex(below count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }

        func fail() {
            lock.lock()
            failed += 1
            lock.unlock()
        }

        var failures: Int {
            lock.lock()
            defer { lock.unlock() }
            return failed
        }
    }
}
