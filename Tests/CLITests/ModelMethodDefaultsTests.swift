import Foundation
import Testing

/// A model folder's `generation_config.json` `method_options` are its decoding defaults; flags
/// and `--method-options` still win, and a bad entry is named by file and field.
@Suite struct ModelMethodDefaultsTests {
    func folder(methodOptions: String) throws -> URL {
        let source = repositoryRoot.appendingPathComponent("Sources/tolerator/Resources/minicode")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tolerator-model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
        let config = copy.appendingPathComponent("generation_config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        object["method_options"] = try JSONSerialization.jsonObject(with: Data(methodOptions.utf8))
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        return copy
    }

    func traceMethod(_ arguments: [String]) throws -> [String: Any] {
        let run = try runTolerator(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let trace = try #require(object["trace"] as? [String: Any])
        return try #require((trace["method"] as? [String: Any])?["options"] as? [String: Any])
    }

    @Test func theFolderDefaultsApplyAndFlagsOverrideThem() throws {
        let model = try folder(methodOptions: #"{"vanilla": {"unmask": "margin", "temperature": 0.25}}"#)
        defer { try? FileManager.default.removeItem(at: model) }
        let base = ["generate", "--model", model.path, "--method", "vanilla", "--nfe", "4", "--no-verify", "--json",
                    "def f(x):\n    \"\"\"Double x.\"\"\"\n"]
        let own = try traceMethod(base)
        #expect(own["unmask"] as? String == "margin")
        #expect(own["temperature"] as? Double == 0.25)
        let flagged = try traceMethod(base + ["--temperature", "0"])
        #expect(flagged["unmask"] as? String == "margin")
        #expect(flagged["temperature"] as? Double == 0)
    }

    @Test func aBadEntryNamesTheFileAndField() throws {
        let model = try folder(methodOptions: #"{"vanilla": {"unmask": "sideways"}}"#)
        defer { try? FileManager.default.removeItem(at: model) }
        let run = try runTolerator(["generate", "--model", model.path, "--nfe", "4", "--no-verify", "def f(x):\n    pass\n"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("generation_config.json: method_options: vanilla: field unmask"))
    }
}
