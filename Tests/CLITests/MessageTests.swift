import Foundation
import FixtureSupport
import Testing

/// Messages that name the real problem (issue 21, requirement 5).
@Suite final class MessageTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("messages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func firstLine(_ text: String) -> String? { text.split(separator: "\n").first.map(String.init) }

    @Test func generateWithNoInputSaysWhatToPass() throws {
        let result = try runTolerator(["generate"])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr)
            == "Error: nothing to generate from: give the request or code as an argument (tolerator generate \"...\") or with --file FILE")
    }

    @Test func promptPlusCanvasBeyondTheModelIsRefusedBeforeDecoding() throws {
        // The embedded model's config.json: max_sequence_length 256; "def" is one token.
        let result = try runTolerator(["generate", "--mode", "completion", "--canvas", "100000", "def"])
        #expect(result.status == 1)
        #expect(firstLine(result.stderr) == "Error: prompt (1 tokens) + canvas (100000) = 100001 tokens is more than "
            + "the model's maximum sequence length 256; shorten the input or lower --canvas")
    }

    @Test func aCanvasLengthOfZeroInGenerationConfigIsAnError() throws {
        let model = try makeTinyCheckpoint()
        defer { try? FileManager.default.removeItem(at: model) }
        try Data(#"{"canvas_length": 0}"#.utf8).write(to: model.appendingPathComponent("generation_config.json"))
        let result = try runTolerator(["generate", "--model", model.path, "--threads", "1", "def f():\n"])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr) == "Error: \(model.path)/generation_config.json: canvas_length must be an integer "
            + "in 1...1048576 (got 0); fix it or pass --canvas")
    }

    @Test(arguments: [(["--mask-id", "99999"], "--mask-id 99999"), (["--stop-ids", "3,70000"], "--stop-ids 70000")])
    func anOutOfVocabularyOverrideBlamesTheOption(flags: [String], named: String) throws {
        let model = try makeTinyCheckpoint()
        defer { try? FileManager.default.removeItem(at: model) }
        let result = try runTolerator(["generate", "--model", model.path, "--threads", "1"] + flags + ["def f():\n"])
        #expect(result.status != 0)
        let line = firstLine(result.stderr) ?? ""
        #expect(line.hasPrefix("Error: \(named): outside the vocabulary (0..<"), "\(line)")
        #expect(line.hasSuffix("of the model in \(model.path)"), "\(line)")
        #expect(!line.contains("config.json"))
    }

    @Test func aFolderAsSamplesIsNamed() throws {
        let result = try runTolerator(["score", "--suite", "tiny", "--samples", folder.path])
        #expect(result.status == 1)
        #expect(firstLine(result.stderr) == "Error: \(folder.path): cannot read (is a folder, not a file)")
    }

    @Test(arguments: [
        (#"{"tolerator": {"eot_penalty": 1.2}}"#, "Error: --method-options: tolerator: missing field fill_up"),
        (#"{"tolerator": "#, "Error: --method-options: not a JSON object {method: options}"),
        (#"{"greedy": {}}"#, "Error: --method-options: unknown method greedy: expected vanilla, tolerator, remdm or rcr"),
        ("missing-options.json", "Error: --method-options missing-options.json: no such file, and not a JSON object"),
    ])
    func badMethodOptionsNameTheField(options: String, message: String) throws {
        let result = try runTolerator(["eval", "--suite", "tiny", "--method-options", options, "--out", folder.path + "/run"])
        #expect(result.status == 64)
        #expect(firstLine(result.stderr) == message)
    }

    @Test func aMissingCandidatesFileIsNamed() throws {
        let repo = try GitFixture(commit: ["pkg/__init__.py": "", "pkg/mathx.py": ProposeCLITests.stub + "\n",
                                           "tests/test_mathx.py": ProposeCLITests.tests])
        let missing = folder.path + "/none.txt"
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "tests", "--candidates", missing,
        ])
        #expect(run.status == 64)
        #expect(firstLine(run.stderr) == "Error: --candidates \(missing): no such file")
    }

    @Test func aFullRefNameAsBranchIsTheBranch() throws {
        let repo = try GitFixture(commit: ["pkg/__init__.py": "", "pkg/mathx.py": ProposeCLITests.stub + "\n",
                                           "tests/test_mathx.py": ProposeCLITests.tests])
        let candidates = folder.appendingPathComponent("c.txt")
        try Data("    return sum(xs)".utf8).write(to: candidates)
        let run = try runTolerator([
            "propose", "--repo", repo.repo, "--file", "pkg/mathx.py", "--function", "add_all",
            "--tests", "tests", "--candidates", candidates.path, "--branch", "refs/heads/fix/add-all",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try repo.git("for-each-ref", "--format=%(refname)", "refs/heads/fix", "refs/heads/refs")
            == "refs/heads/fix/add-all\n")
    }
}
