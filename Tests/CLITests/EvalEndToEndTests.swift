import Foundation
import ModelFiles
import Testing
import Tokenization

/// A tiny random Dream-family checkpoint that uses the Qwen2-style fixture tokenizer, so the
/// whole pipeline (prompt → tokens → forward → decoding → text → sandbox → reports) runs for real.
func makeTinyCheckpoint() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let tokenizerFile = repositoryRoot.appendingPathComponent("Tests/TokenizationTests/Fixtures/qwen2/tokenizer.json")
    try FileManager.default.copyItem(at: tokenizerFile, to: folder.appendingPathComponent("tokenizer.json"))
    let tokenizer = try Tokenizer.load(directory: folder)
    let mask = try #require(tokenizer.id(forToken: "<|mask|>"))
    let eos = try #require(tokenizer.id(forToken: "<|endoftext|>"))
    let config = """
    {"model_type": "Dream", "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1,
     "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": \(tokenizer.idLimit),
     "rope_theta": 10000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true, "hidden_act": "silu",
     "mask_token_id": \(mask), "eos_token_id": \(eos), "pad_token_id": \(eos)}
    """
    try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
    let parsed = try ModelConfig.parse(configJSON: Data(config.utf8))
    try SyntheticCheckpoint.write(shapes: WeightNames(config: parsed).expectedShapes(), dtype: .bf16, seed: 3,
                                  scale: 0.5, to: folder)
    return folder
}

struct ResultKey: Decodable, Hashable {
    let taskID: String
    let method: String
    let nfe: Int
    let sample: Int
    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case method, nfe, sample
    }
}

struct ResultFacts: Decodable {
    let taskID: String
    let method: String
    let nfe: Int
    let passed: Bool
    let completion: String
    enum CodingKeys: String, CodingKey {
        case taskID = "task_id"
        case method, nfe, passed, completion
    }
}

func lines(_ url: URL) throws -> [Data] {
    try Data(contentsOf: url).split(separator: UInt8(ascii: "\n")).map { Data($0) }
}

@Suite(.serialized) struct EvalEndToEndTests {
    static let arguments = ["eval", "--suite", "tiny", "--methods", "vanilla,tolerator", "--nfe", "4",
                            "--canvas", "16", "--limit", "20", "--seed", "5", "--threads", "1"]

    @Test func evalOnATinyCheckpointWritesConsistentReportsAndResumesAfterSIGKILL() throws {
        let model = try makeTinyCheckpoint()
        defer { try? FileManager.default.removeItem(at: model) }
        let straight = model.appendingPathComponent("straight")
        let result = try runTolerator(Self.arguments + ["--model", model.path, "--out", straight.path])
        #expect(result.status == 0, "\(result.stderr)")

        for name in ["results.jsonl", "samples.jsonl", "report.json", "report.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: straight.appendingPathComponent(name).path), "\(name)")
        }
        let rows = try lines(straight.appendingPathComponent("results.jsonl")).map { try JSONDecoder().decode(ResultFacts.self, from: $0) }
        #expect(rows.count == 20 * 2)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: straight.appendingPathComponent("report.json"))) as! [String: Any]
        #expect(report["rows"] as? Int == 40)
        let cells = report["cells"] as! [[String: Any]]
        #expect(cells.count == 2)
        for cell in cells {
            let method = cell["method"] as! String
            let mine = rows.filter { $0.method == method }
            #expect(cell["samples"] as? Int == mine.count)
            #expect(cell["passed"] as? Int == mine.filter(\.passed).count)
            let passAt1 = (cell["pass_at_k"] as? [String: Double])?["1"]
            #expect(passAt1 == Double(mine.filter(\.passed).count) / Double(mine.count))
        }
        let html = try String(contentsOf: straight.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"))
        let samples = try lines(straight.appendingPathComponent("samples.jsonl"))
        #expect(samples.count == 40)

        // The same run, killed with SIGKILL once some samples are journaled, then resumed.
        let resumed = model.appendingPathComponent("resumed")
        let process = try startTolerator(Self.arguments + ["--model", model.path, "--out", resumed.path])
        let journal = resumed.appendingPathComponent("journal.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? lines(journal).count) ?? 0) < 8, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let journaled = try lines(journal).count
        #expect(journaled >= 8 && journaled < 40)

        let again = try runTolerator(Self.arguments + ["--model", model.path, "--out", resumed.path])
        #expect(again.status == 0, "\(again.stderr)")
        let resumedKeys = try lines(resumed.appendingPathComponent("results.jsonl")).map { try JSONDecoder().decode(ResultKey.self, from: $0) }
        #expect(resumedKeys.count == 40)
        #expect(Set(resumedKeys).count == 40, "exactly one row per (task, method, budget, sample)")
        let resumedRows = try lines(resumed.appendingPathComponent("results.jsonl")).map { try JSONDecoder().decode(ResultFacts.self, from: $0) }
        func outcomes(_ rows: [ResultFacts]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: rows.map { ("\($0.taskID)|\($0.method)|\($0.nfe)", "\($0.passed)|\($0.completion)") })
        }
        #expect(outcomes(resumedRows) == outcomes(rows), "same seed: same completions and verdicts as the uninterrupted run")
        let resumedReport = try JSONSerialization.jsonObject(with: Data(contentsOf: resumed.appendingPathComponent("report.json"))) as! [String: Any]
        let strip: ([[String: Any]]) -> [String] = { cells in
            cells.map { "\($0["method"]!)|\($0["nfe"]!)|\($0["passed"]!)|\($0["samples"]!)|\($0["pass_at_k"]!)" }.sorted()
        }
        #expect(strip(resumedReport["cells"] as! [[String: Any]]) == strip(cells))

        // A changed configuration is refused rather than mixed in.
        let changed = try runTolerator(["eval", "--suite", "tiny", "--methods", "vanilla,tolerator", "--nfe", "4",
                                        "--canvas", "16", "--limit", "20", "--seed", "6", "--threads", "1",
                                        "--model", model.path, "--out", resumed.path])
        #expect(changed.status != 0)
        #expect(changed.stderr.contains("seed"))
    }
}

/// Starts the built binary without waiting for it.
func startTolerator(_ arguments: [String]) throws -> Process {
    let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let binary = [buildDirectory, buildDirectory.deletingLastPathComponent()]
        .map { $0.appendingPathComponent("tolerator") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }!
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}
