import Foundation
import Testing

/// `score` reads every suite format `eval` reads and samples in the shapes other tools write
/// (issue 20, requirement 1): MBPP with integer ids and setup code, evalplus `solution`s, and
/// a clear error naming the line of a sample for a task the suite lacks.
@Suite final class ScoreFormatsTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("score-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ lines: [[String: Any]]) throws -> String {
        let text = try lines.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let treeCode = "class Node:\r\n    def __init__(self, data):\r\n        self.data = data\r\n        self.left = None\r\n"
        + "        self.right = None\r\ndef height(root):\r\n    if root is None:\r\n        return 0\r\n"
        + "    return max(height(root.left), height(root.right)) + 1"

    /// MBPP's original format (mbpp.jsonl), our own tasks: 5 lies in the prompt split, 12 has
    /// setup code that builds a tree from the solution's class (as MBPP 367 does).
    func mbppSuite() throws -> String {
        try write("mbpp.jsonl", [
            ["task_id": 5, "text": "Write a function to triple a number.", "code": "def triple(x):\r\n    return 3 * x",
             "test_setup_code": "", "test_list": ["assert triple(2) == 6"], "challenge_test_list": []],
            ["task_id": 11, "text": "Write a function to drop the first and last character.", "code": "def strip_ends(s):\r\n    return s[1:-1]",
             "test_setup_code": "", "test_list": ["assert strip_ends('abc') == 'b'", "assert strip_ends('xy') == ''"],
             "challenge_test_list": ["assert strip_ends('abcd') == 'bc'"]],
            ["task_id": 12, "text": "Write a function to find the height of a binary tree.", "code": Self.treeCode,
             "test_setup_code": "root = Node(1) \r\nroot.left = Node(2) \r\nroot.left.left = Node(3) \r\nleaf = Node(7)",
             "test_list": ["assert height(root) == 3", "assert height(leaf) == 1"], "challenge_test_list": []],
        ])
    }

    func rows(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func mbppCanonicalSolutionsPassWithSetupAfterTheSolution() throws {
        let suite = try mbppSuite()
        let output = folder.appendingPathComponent("canonical.jsonl").path
        let run = try runTolerator(["score", "--suite", suite, "--canonical", "--output", output])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("passed: 2/2 (100.0%)"), "\(run.stdout)")
        #expect(try rows(output).map { $0["task_id"] as? String } == ["11", "12"])
        // Empty answers fail, and the setup that needs the solution's Node does not make task
        // 12 a sandbox error (which a resumed run would redo).
        let empty = try runTolerator(["score", "--suite", suite, "--empty", "--output", folder.appendingPathComponent("empty.jsonl").path])
        #expect(empty.stdout.contains("passed: 0/2 (0.0%)\nverdicts: failed=2\n"), "\(empty.stdout)")
        let all = try runTolerator(["score", "--suite", suite, "--canonical", "--mbpp-split", "all",
                                    "--output", folder.appendingPathComponent("all.jsonl").path])
        #expect(all.stdout.contains("passed: 3/3 (100.0%)"), "\(all.stdout)\(all.stderr)")
    }

    @Test func integerTaskIDsCompletionsAndSolutions() throws {
        let suite = try mbppSuite()
        let samples = try write("s.jsonl", [
            ["task_id": 11, "completion": "def strip_ends(s):\n    return s[1:-1]\n"],
            ["task_id": 11, "completion": "def strip_ends(s):\n    return s[1:]\n"],
            ["task_id": "12", "solution": Self.treeCode],
            ["task_id": 12, "completion": "def height(root):\n    return 3\n"],
        ])
        let run = try runTolerator(["score", "--suite", suite, "--samples", samples])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("passed: 2/4 (50.0%)"), "\(run.stdout)")
        let results = try rows(samples + "_results.jsonl")
        #expect(results.map { $0["passed"] as? Bool } == [true, false, true, false])
        #expect(results.map { $0["task_id"] as? String } == ["11", "11", "12", "12"])
        // The sample's own field comes back: evalplus's solution stays a solution.
        #expect(results[2]["solution"] as? String == Self.treeCode)
        #expect(results[2]["completion"] == nil)
        // The last one has no Node: the setup fails as it would in one script.
        #expect((results[3]["message"] as? String ?? "").contains("NameError"), "\(results[3])")
    }

    @Test func challengeTestsAreAddedOnRequest() throws {
        let suite = try mbppSuite()
        let samples = try write("c.jsonl", [["task_id": 11, "completion": "def strip_ends(s):\n    return s[1:-1] if len(s) <= 3 else s[1:2]\n"]])
        let plain = try runTolerator(["score", "--suite", suite, "--samples", samples, "--output", samples + ".a"])
        #expect(plain.stdout.contains("passed: 1/1"), "\(plain.stdout)")
        let challenge = try runTolerator(["score", "--suite", suite, "--samples", samples, "--challenge-tests", "--output", samples + ".b"])
        #expect(challenge.stdout.contains("passed: 0/1"), "\(challenge.stdout)")
    }

    @Test func aSampleForATaskTheSuiteLacksNamesItsLine() throws {
        let suite = try mbppSuite()
        let unknown = try write("u.jsonl", [["task_id": 11, "completion": ""], ["task_id": 99, "completion": ""]])
        let run = try runTolerator(["score", "--suite", suite, "--samples", unknown])
        #expect(run.status != 0)
        #expect(run.stderr.contains("\(unknown):2: task 99 is not in the suite"), "\(run.stderr)")
        let outside = try write("o.jsonl", [["task_id": 5, "completion": "def triple(x):\n    return 3 * x\n"]])
        let refused = try runTolerator(["score", "--suite", suite, "--samples", outside])
        #expect(refused.stderr.contains("\(outside):1: task 5 is outside the MBPP test split (--mbpp-split all scores every task)"),
                "\(refused.stderr)")
        let neither = try write("n.jsonl", [["task_id": 11, "code": "x"]])
        let bad = try runTolerator(["score", "--suite", suite, "--samples", neither])
        #expect(bad.stderr.contains("\(neither):1: missing field \"completion\" (needs \"completion\" or evalplus's \"solution\")"),
                "\(bad.stderr)")
    }

    /// evalplus writes whole programs: one that repeats the prompt is scored exactly as its
    /// completion would be; one that does not (a chat model's code) stands alone.
    @Test func evalplusSolutionsOnAHumanEvalSuite() throws {
        let tiny = repositoryRoot.appendingPathComponent("Examples/suites/tiny-humaneval.jsonl").path
        let first = try #require(String(contentsOfFile: tiny, encoding: .utf8).split(separator: "\n").first)
        let task = try JSONSerialization.jsonObject(with: Data(first.utf8)) as! [String: Any]
        let prompt = task["prompt"] as! String
        let samples = try write("e.jsonl", [
            ["task_id": "TinyEval/0", "solution": prompt + (task["canonical_solution"] as! String)],
            ["task_id": "TinyEval/0", "solution": "def sum_of_squares(numbers):\n    return sum(n * n for n in numbers)\n"],
            ["task_id": "TinyEval/0", "solution": "def sum_of_squares(numbers):\n    return sum(numbers)\n"],
        ])
        let run = try runTolerator(["score", "--suite", "tiny", "--samples", samples])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("passed: 2/3 (66.7%)"), "\(run.stdout)")
    }

    /// `eval --replay` takes MBPP's integer task ids too.
    @Test func replayWithIntegerTaskIDs() throws {
        let suite = try mbppSuite()
        let replay = try write("r.jsonl", [
            ["task_id": 11, "method": "vanilla", "nfe": 4, "output": "def strip_ends(s):\n    return s[1:-1]\n"],
            ["task_id": 12, "method": "vanilla", "nfe": 4, "output": "def height(root):\n    return 0\n"],
        ])
        let out = folder.appendingPathComponent("eval").path
        let run = try runTolerator(["eval", "--suite", suite, "--replay", replay, "--methods", "vanilla", "--nfe", "4", "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("vanilla: pass@1 T=4 50.0%"), "\(run.stdout)")
    }
}
