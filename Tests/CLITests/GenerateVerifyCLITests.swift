import Foundation
import Testing

/// `tolerator generate` with the verifier in the loop, on the embedded model (issue 17).
@Suite struct GenerateVerifyCLITests {
    func stub(_ docstring: String) throws -> String {
        let path = NSTemporaryDirectory() + "tolerator-stub-\(UUID().uuidString).py"
        try Data("def double(x):\n    \"\"\"\(docstring)\n    \"\"\"\n".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// No function satisfies f(1) == 2 and f(1) == 3: every attempt fails, the best is printed
    /// unverified with the failing example, exit 1; --json lists each attempt and its forwards.
    @Test func contradictoryExamplesEndUnverified() throws {
        let file = try stub("Double x.\n    >>> double(1)\n    2\n    >>> double(1)\n    3")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let plain = try runTolerator(["generate", "--file", file, "--nfe", "4", "--attempts", "2", "--method", "vanilla"])
        #expect(plain.status == 1, "\(plain.stderr)")
        #expect(plain.stdout.hasPrefix("def double(x):"))
        #expect(plain.stderr.contains("unverified: best candidate"))
        #expect(plain.stderr.contains("failing: "))
        #expect(plain.stderr.contains("attempt 1 of 2 tried") || plain.stderr.contains("attempt 2 of 2 tried"))

        let json = try runTolerator(["generate", "--file", file, "--nfe", "4", "--attempts", "2", "--method", "vanilla", "--json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let verification = try #require(object["verification"] as? [String: Any])
        let attempts = try #require(verification["attempts"] as? [[String: Any]])
        #expect(attempts.count == 2)
        #expect(attempts.map { $0["nfe_used"] as? Int } == [4, 4])
        #expect(verification["nfe_total"] as? Int == 8)
        #expect(verification["verified"] as? Bool == false)
        #expect(attempts.allSatisfy { ($0["total"] as? Int) == 2 })
        #expect((object["tests"] as? [String])?.first == ">>> double(1)  # expects 2")
        // The embedded model's cache_options: vanilla decodes with dual refreshed every 4 forwards.
        let cache = try #require(object["cache"] as? [String: Any])
        #expect(cache["mode"] as? String == "dual" && cache["refresh_every"] as? Int == 4)
        let exact = try runTolerator(["generate", "--file", file, "--nfe", "4", "--attempts", "2", "--method", "vanilla",
                                      "--json", "--cache", "none"])
        let exactObject = try #require(try JSONSerialization.jsonObject(with: Data(exact.stdout.utf8)) as? [String: Any])
        #expect(exactObject["cache"] == nil)
    }

    /// A user test that always holds passes at the first attempt, whatever the model wrote
    /// (the body is run, not trusted: `assert True` is the only test).
    @Test func aPassingTestStopsAtTheFirstAttempt() throws {
        let file = try stub("Double x.")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try runTolerator(["generate", "--file", file, "--nfe", "4", "--attempts", "3", "--method", "vanilla",
                                    "--test", "assert True"])
        if run.stderr.contains("SyntaxError") || run.stderr.contains("IndentationError") {
            // The body did not even load: the program fails before its tests, as it must.
            #expect(run.status == 1)
        } else {
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("verified: 1/1 test passed (attempt 1 of 3, 4 NFE in all"))
        }
    }

    /// The quickstart's stub on a fresh clone: the embedded model (trained without `>>>` examples,
    /// `prompt_examples: false`) sees the docstring without them, the verifier runs them, and the
    /// function printed is verified.
    @Test func theQuickstartStubIsVerified() throws {
        let stub = repositoryRoot.appendingPathComponent("Examples/quickstart/stub.py").path
        let run = try runTolerator(["generate", "--file", stub, "--nfe", "16", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let prompt = try #require(object["prompt"] as? String)
        #expect(!prompt.contains(">>>"))
        #expect(prompt.hasPrefix("def count_evens(nums):\n    \"\"\"Return how many values in nums where the value is even.\"\"\""))
        #expect((object["code"] as? String)?.contains(">>> count_evens([1, 2, 4, 7])") == true)
        let verification = try #require(object["verification"] as? [String: Any])
        #expect(verification["verified"] as? Bool == true)
        #expect((object["tests"] as? [String])?.count == 2)
    }

    /// `--show-draft` with the verifier: the chosen attempt's fill-up draft follows the code (it
    /// was ignored before), and `--json` carries each TOLERATOR attempt's draft; vanilla has none.
    @Test func showDraftPrintsTheChosenAttemptsDraft() throws {
        let file = try stub("Double x.\n    >>> double(1)\n    2\n    >>> double(1)\n    3")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let plain = try runTolerator(["generate", "--file", file, "--nfe", "8", "--attempts", "1", "--method", "tolerator",
                                      "--show-draft"])
        #expect(plain.status == 1, "\(plain.stderr)")
        let lines = plain.stdout.components(separatedBy: "\n")
        let header = try #require(lines.firstIndex(of: "--- attempt 1's fill-up draft (before refinement) ---"))
        let footer = try #require(lines.firstIndex { $0.hasPrefix("--- refinement changed ") })
        #expect(header < footer)
        #expect(lines[footer].hasSuffix(" of 64 canvas tokens ---"))

        let json = try runTolerator(["generate", "--file", file, "--nfe", "8", "--attempts", "1", "--method", "tolerator", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let attempts = try #require((object["verification"] as? [String: Any])?["attempts"] as? [[String: Any]])
        let draft = try #require(attempts.first?["fill_up_draft"] as? [String: Any])
        #expect(draft["canvas_length"] as? Int == 64)
        #expect((draft["text"] as? String) != nil)
        // The same draft text in both outputs (same seed): the printed block is the JSON's text.
        #expect(lines[(header + 1)..<footer].joined(separator: "\n") == draft["text"] as? String)

        let vanilla = try runTolerator(["generate", "--file", file, "--nfe", "4", "--attempts", "1", "--method", "vanilla",
                                        "--show-draft"])
        #expect(vanilla.stdout.contains("(no fill-up draft for attempt 1 (draft): --show-draft applies to --method tolerator)"))
    }

    @Test func verifyWithNothingToVerifyAgainstIsAnError() throws {
        let file = try stub("Double x.")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try runTolerator(["generate", "--file", file, "--nfe", "4", "--verify"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("nothing to verify against"))
        let none = try runTolerator(["generate"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("nothing to generate from"))
    }
}
