import Foundation
import FixtureSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Outputs are checked before any work and never overwrite an input or the user's files.
@Suite final class OutputSafetyTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("outputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func firstLine(_ text: String) -> String? { text.split(separator: "\n").first.map(String.init) }

    static let sample = #"{"task_id": "TinyEval/0", "completion": "    return sum(n * n for n in numbers)\n"}"# + "\n"

    @Test func scoreRefusesAnOutputThatIsTheSamplesFile() throws {
        let samples = try write("samples.jsonl", Self.sample)
        // The same file by another name: a path through a subfolder and back.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let sameFile = folder.path + "/sub/../samples.jsonl"
        let result = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", sameFile])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr) == "Error: --output \(sameFile) is the --samples file; refusing to overwrite an input")
        #expect(try String(contentsOfFile: samples, encoding: .utf8) == Self.sample)
    }

    @Test func scoreRefusesAnOutputThatIsTheSuiteFile() throws {
        let original = try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/suites/tiny-humaneval.jsonl"), encoding: .utf8)
        let suite = try write("suite.jsonl", original)
        let link = folder.appendingPathComponent("link.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: suite)
        let result = try runTolerator(["score", "--suite", suite, "--canonical", "--output", link])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr) == "Error: --output \(link) is the --suite file; refusing to overwrite an input")
        #expect(try String(contentsOfFile: suite, encoding: .utf8) == original)
    }

    @Test func scoreChecksTheOutputFolderBeforeRunningAnything() throws {
        let samples = try write("samples.jsonl", Self.sample)
        let missing = folder.appendingPathComponent("missing").path
        let result = try runTolerator(["score", "--suite", "tiny", "--samples", samples, "--output", missing + "/r.jsonl"])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr) == "Error: --output \(missing)/r.jsonl: folder \(missing) does not exist")
        #expect(!result.stdout.contains("passed:"))
    }

    @Test func scoreRefusesAnEmptySamplesFile() throws {
        let samples = try write("empty.jsonl", "\n  \n")
        let result = try runTolerator(["score", "--suite", "tiny", "--samples", samples])
        #expect(result.status == 64)
        // A problem found after parsing names the subcommand's help, not the root usage.
        #expect(result.stderr == "Error: \(samples): no samples (every line is blank)\n"
            + "  See 'tolerator score --help' for more information.\n")
        #expect(!FileManager.default.fileExists(atPath: samples + "_results.jsonl"))
    }

    @Test func evalRefusesAFolderOfTheUsersFiles() throws {
        let out = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("my report\n".utf8).write(to: out.appendingPathComponent("report.md"))
        let result = try runTolerator(["eval", "--suite", "tiny", "--replay", "/nonexistent", "--out", out.path])
        #expect(result.status == 1)
        #expect(firstLine(result.stderr) == "Error: \(out.path) holds files but no run.json, so it is not a tolerator eval "
            + "folder (eval would overwrite report.md); refusing to write there. Choose an empty or new --out.")
        #expect(try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8) == "my report\n")
    }

    @Test func evalFailsFastWhileAnotherEvalHoldsTheFolder() throws {
        let out = folder.appendingPathComponent("busy")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let descriptor = open(out.appendingPathComponent(".tolerator-eval.lock").path, O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let result = try runTolerator(["eval", "--suite", "tiny", "--replay", "/nonexistent", "--out", out.path])
        #expect(result.status == 1)
        #expect(firstLine(result.stderr) == "Error: \(out.path) is in use by another tolerator eval (it holds the lock on "
            + ".tolerator-eval.lock); wait for it to finish or choose another --out")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("run.json").path))
    }

    @Test func proposeChecksThePatchPathBeforeCreatingTheBranch() throws {
        let repo = try GitFixture(commit: ["pkg/__init__.py": "", "pkg/mathx.py": ProposeCLITests.stub + "\n",
                                           "tests/test_mathx.py": ProposeCLITests.tests])
        let candidates = try write("candidates.txt", "    return sum(xs)")
        let patch = folder.path + "/missing/x.patch"
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "tests", "--candidates", candidates, "--patch", patch,
        ])
        #expect(run.status == 64)
        #expect(firstLine(run.stderr) == "Error: --patch \(patch): folder \(folder.path)/missing does not exist")
        #expect(try repo.git("for-each-ref", "refs/heads/tolerator").isEmpty)
    }
}

