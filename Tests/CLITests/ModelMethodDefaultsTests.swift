import Foundation
import Testing

/// A model folder's `generation_config.json` `method_options` are its decoding defaults; flags
/// and `--method-options` still win, and a bad entry is named by file and field.
@Suite struct ModelMethodDefaultsTests {
    func folder(methodOptions: String? = nil, cacheOptions: String? = nil) throws -> URL {
        let source = repositoryRoot.appendingPathComponent("Sources/tolerator/Resources/minicode")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tolerator-model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
        let config = copy.appendingPathComponent("generation_config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        if let methodOptions { object["method_options"] = try JSONSerialization.jsonObject(with: Data(methodOptions.utf8)) }
        if let cacheOptions { object["cache_options"] = try JSONSerialization.jsonObject(with: Data(cacheOptions.utf8)) }
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

    func traceCache(_ arguments: [String]) throws -> [String: Any]? {
        let run = try runTolerator(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let trace = try #require(object["trace"] as? [String: Any])
        return trace["cache"] as? [String: Any]
    }

    /// `cache_options` picks each method's KV cache; a method it does not name decodes exactly,
    /// and `--cache` (for every method) wins.
    @Test func theFolderCacheDefaultsApplyPerMethodAndFlagsOverrideThem() throws {
        let model = try folder(cacheOptions: #"{"vanilla": {"mode": "dual", "refresh_every": 4}}"#)
        defer { try? FileManager.default.removeItem(at: model) }
        let base = ["generate", "--model", model.path, "--nfe", "8", "--no-verify", "--json",
                    "def f(x):\n    \"\"\"Double x.\"\"\"\n"]
        let vanilla = try #require(try traceCache(base + ["--method", "vanilla"]))
        #expect(vanilla["mode"] as? String == "dual")
        #expect(vanilla["refresh_every"] as? Int == 4)
        #expect(try traceCache(base + ["--method", "tolerator"]) == nil)
        #expect(try traceCache(base + ["--method", "vanilla", "--cache", "none"]) == nil)
        let prefix = try #require(try traceCache(base + ["--method", "tolerator", "--cache", "prefix"]))
        #expect(prefix["mode"] as? String == "prefix")
        #expect(prefix["refresh_every"] == nil)
    }

    @Test(arguments: [
        (#"{"vanilla": {"mode": "full"}}"#, "cache_options: vanilla: field mode"),
        (#"{"vanilla": {"mode": "dual", "refresh_every": 0}}"#, "cache_options: vanilla: field refresh_every must be at least 1"),
        (#"{"sideways": {"mode": "dual"}}"#, "cache_options: unknown method sideways"),
        (#"{"vanilla": "dual"}"#, "cache_options: vanilla must be an object"),
    ])
    func aBadCacheEntryNamesTheFileAndField(options: String, message: String) throws {
        let model = try folder(cacheOptions: options)
        defer { try? FileManager.default.removeItem(at: model) }
        let run = try runTolerator(["generate", "--model", model.path, "--nfe", "4", "--no-verify", "def f(x):\n    pass\n"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("generation_config.json: " + message), "\(run.stderr)")
    }

    /// eval records each method's own cache in run.json (so a run resumes only with the same one).
    @Test func evalDecodesEachMethodWithItsOwnCacheDefault() throws {
        let model = try folder(cacheOptions: #"{"tolerator": {"mode": "dual"}}"#)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tolerator-eval-\(UUID().uuidString)")
        defer { [model, out].forEach { try? FileManager.default.removeItem(at: $0) } }
        let run = try runTolerator(["eval", "--model", model.path, "--suite", "tiny", "--limit", "1", "--methods",
                                    "vanilla,tolerator", "--nfe", "4", "--profile", "rlimits-only", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let config = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("run.json"))) as? [String: Any])
        let parameters = try #require(config["method_parameters"] as? [String: String])
        #expect(parameters["tolerator"]?.hasPrefix(#"{"cache":{"mode":"dual"},"method":{"name":"tolerator""#) == true)
        #expect(parameters["vanilla"]?.contains("cache") == false)
    }

    /// `inspect` names each method's default cache (the embedded model's measured ones), and a
    /// folder without cache_options shows none.
    @Test func inspectNamesTheCacheDefaults() throws {
        let embedded = repositoryRoot.appendingPathComponent("Sources/tolerator/Resources/minicode").path
        let run = try runTolerator(["inspect", embedded, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["cache_defaults"] as? [String: String]
                == ["tolerator": "dual", "remdm": "prefix", "vanilla": "dual, refresh every 4"])
        let text = try runTolerator(["inspect", embedded])
        #expect(text.stdout.contains("KV cache     remdm prefix; tolerator dual; vanilla dual, refresh every 4; other methods exact"))

        let plain = try folder(methodOptions: "{}")
        defer { try? FileManager.default.removeItem(at: plain) }
        let config = plain.appendingPathComponent("generation_config.json")
        var generation = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        generation["cache_options"] = nil
        try JSONSerialization.data(withJSONObject: generation).write(to: config)
        let bare = try runTolerator(["inspect", plain.path, "--json"])
        let bareObject = try #require(try JSONSerialization.jsonObject(with: Data(bare.stdout.utf8)) as? [String: Any])
        #expect(bareObject["cache_defaults"] == nil)
    }
}
