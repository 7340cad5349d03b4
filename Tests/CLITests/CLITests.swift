import Foundation
import Testing

/// Runs the built `tolerator` binary (it sits beside the test bundle) and captures its output.
/// `environment` changes the inherited environment: a nil value removes the variable.
func runTolerator(_ arguments: [String], environment changes: [String: String?] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String) {
    let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [buildDirectory, buildDirectory.deletingLastPathComponent()]
        .map { $0.appendingPathComponent("tolerator") }
    guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: candidates[0].path])
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    if !changes.isEmpty {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in changes { environment[name] = value }
        process.environment = environment
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let parityFixtures = repositoryRoot.appendingPathComponent("Tests/InferenceTests/Fixtures/parity")

@Suite struct CLITests {
    /// Parameter counts worked out by hand from each fixture's config.json (see ModelSummaryTests
    /// for the formula): LLaDA 48 hidden / 80 ffn / vocab 192 / 2 layers / 2 KV heads of 12 and
    /// Dream the same plus q/k/v biases; CoDA 32 hidden, 4×16 heads, tied head, QK-norm.
    @Test(arguments: [
        ("llada-bf16", "parameters   55,536 ", "BF16 ×21", "logit shift  no"),
        ("dream-f16", "parameters   55,728 ", "F16 ×27", "logit shift  yes"),
        ("coda-f32", "parameters   30,944 ", "F32 ×24", "logit shift  yes"),
    ])
    func inspectPrintsTheNumbersOfEachFamily(folder: String, parameters: String, dtypes: String, shift: String) throws {
        let result = try runTolerator(["inspect", parityFixtures.appendingPathComponent(folder).path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(parameters))
        #expect(result.stdout.contains(dtypes))
        #expect(result.stdout.contains(shift))
        #expect(result.stdout.contains("mask id      190"))
    }

    @Test func inspectJSONRoundTripsTheConfiguration() throws {
        let result = try runTolerator(["inspect", "--json", parityFixtures.appendingPathComponent("dream-f16").path])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["parameter_count"] as? Int == 55_728)
        #expect(object?["file_count"] as? Int == 2)
        #expect((object?["config"] as? [String: Any])?["num_kv_heads"] as? Int == 2)
    }

    @Test func inspectNamesTheBrokenTensor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: parityFixtures.appendingPathComponent("llada-bf16"), to: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count - 100).write(to: weights)
        let result = try runTolerator(["inspect", folder.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("model.safetensors"))
        #expect(result.stderr.contains("truncated file or lying header"))
    }

    @Test func overridesAreApplied() throws {
        let result = try runTolerator(["inspect", "--mask-id", "7", "--stop-ids", "3,4",
                                       parityFixtures.appendingPathComponent("llada-bf16").path])
        #expect(result.stdout.contains("mask id      7"))
        #expect(result.stdout.contains("stop ids     3, 4"))
        let bad = try runTolerator(["inspect", "--stop-ids", "3,x", parityFixtures.appendingPathComponent("llada-bf16").path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("'x' is not a token id"))
    }

    @Test func tokenizeMatchesTheFixtureTokenizer() throws {
        let tokenizer = repositoryRoot.appendingPathComponent("Tests/TokenizationTests/Fixtures/qwen2").path
        let encoded = try runTolerator(["tokenize", tokenizer, "def f(x):\n    return x<|im_end|>"])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let lines = encoded.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let ids = try JSONDecoder().decode([Int].self, from: Data(lines[0].utf8))
        #expect(ids.count > 3)
        // Decoding the ids gives the text back, special token included.
        let decoded = try runTolerator(["tokenize", tokenizer, "--decode", ids.map(String.init).joined(separator: ",")])
        #expect(decoded.stdout.hasSuffix("def f(x):\n    return x<|im_end|>\n"))
        let missing = try runTolerator(["tokenize", parityFixtures.appendingPathComponent("coda-f32").path, "x"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("tokenizer.json"))
    }
}
