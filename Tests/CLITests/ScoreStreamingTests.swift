import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `score` writes each verdict as it is decided, resumes from its results file, shows progress
/// on stderr, and locks the file while it runs (issue 21, requirements 3 and 5).
@Suite final class ScoreStreamingTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("score-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func line(_ taskID: String, _ completion: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: ["task_id": taskID, "completion": completion], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static let good = "    return sum(n * n for n in numbers)\n"

    func rows(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func binary() throws -> URL {
        let build = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return try #require([build, build.deletingLastPathComponent()].map { $0.appendingPathComponent("tolerator") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    @Test func aSecondRunJudgesOnlyWhatIsMissing() throws {
        let samples = try write("s.jsonl", Self.line("TinyEval/0", Self.good) + Self.line("TinyEval/0", "") + Self.line("TinyEval/5", ""))
        let output = folder.appendingPathComponent("r.jsonl").path
        let first = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", output])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("passed: 1/3 (33.3%)"))
        #expect(first.stderr.contains("3/3 samples, passed 1 |"))
        #expect(try rows(output).map { $0["sample"] as? Int } == [0, 1, 2])
        #expect(try rows(output).map { $0["timeout_s"] as? Double } == [3.0, 3.0, 3.0])

        // Forge sample 1's row as passed and tear the last line: a resumed run keeps the
        // forged row (it is not judged again), and judges sample 2 again.
        var lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"verdict\":\"failed\"", with: "\"verdict\":\"passed\"")
        lines[2] = String(lines[2].prefix(40))
        try Data((lines.joined(separator: "\n")).utf8).write(to: URL(fileURLWithPath: output))
        let second = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", output])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("passed: 2/3 (66.7%)"))
        #expect(second.stdout.contains("resumed: 2 already judged in \(output)"))
        #expect(second.stderr.contains("resuming: 2/3 samples already judged"))
        #expect(second.stderr.contains("dropped a torn last line (40 bytes, an interrupted write)"))
        #expect(second.stderr.contains("3/3 samples, passed 2 |"))
        #expect(try rows(output).map { $0["verdict"] as? String } == ["passed", "passed", "failed"])

        // Another timeout is another run: every sample is judged again.
        let third = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", output, "--timeout", "5"])
        #expect(third.stdout.contains("passed: 1/3 (33.3%)"))
        #expect(third.stderr.contains("3 lines not matching these samples, profile and timeout: judged again"))
        #expect(try rows(output).map { $0["verdict"] as? String } == ["passed", "failed", "failed"])
    }

    @Test func verdictsAreOnDiskBeforeTheRunEndsAndKillNineLosesNone() throws {
        // One worker: sample 0 ends at once, sample 1 sleeps 20 s.
        let samples = try write("s.jsonl", Self.line("TinyEval/0", Self.good)
            + Self.line("TinyEval/0", "    import time\n    time.sleep(20)\n    return 0\n"))
        let output = folder.appendingPathComponent("r.jsonl").path
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["score", "--suite", "tiny", "--samples", samples, "--output", output, "--workers", "1", "--timeout", "30"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, ((try? rows(output)) ?? []).count < 1 { usleep(50_000) }
        #expect(process.isRunning)
        #expect(try rows(output).map { $0["verdict"] as? String } == ["passed"])

        // While it runs, the file is locked.
        let busy = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", output])
        #expect(busy.status == 64)
        #expect(busy.stderr.hasPrefix("Error: results file \(output) is in use by another tolerator score run"))

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try rows(output).map { $0["sample"] as? Int } == [0])
        // Resumed with sample 1 made quick (another completion, so judged anew); sample 0's
        // row from the killed run is kept.
        let quick = try write("s2.jsonl", Self.line("TinyEval/0", Self.good) + Self.line("TinyEval/0", ""))
        let resumed = try runTolerator(["score", "--suite", "tiny", "--samples", quick, "--output", output, "--timeout", "30"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed: 1 already judged"))
        #expect(try rows(output).map { $0["verdict"] as? String } == ["passed", "failed"])
    }
}
