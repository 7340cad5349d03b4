import Foundation

/// What the host observed of one sandbox process, before any verdict.
struct Observation: Sendable {
    /// Raw bytes of the result channel (JSON lines from the tester).
    var records: [UInt8]
    /// The wall-clock backstop fired and the whole tree was killed.
    var killedAtWall: Bool
    var exitCode: Int32?
    var exitSignal: Int32?
    var wallSeconds: Double
    var cpuSeconds: Double
    var stdout: OutputExcerpt
    var stderr: OutputExcerpt
}

/// Turns the tester's records into a verdict.  The parent decides: records must carry the
/// run's nonce, a plan, one record per planned test and a final `done`; anything less is
/// never a pass.
struct Judge {
    let nonce: String
    /// Test count the host knows independently (MBPP's assert list), if any.
    let expectedTests: Int?

    struct Parsed {
        var hello = false
        var load: [String: Any]?
        var planned: Int?
        var planError: String?
        var tests: [Int: TestRecord] = [:]
        var signals: [Int: Int32] = [:]
        var duplicate = false
        var done: [String: Any]?
        var internalError: String?
    }

    func parse(_ bytes: [UInt8]) -> Parsed {
        var parsed = Parsed()
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let type = object["type"] as? String
            else { continue }
            if type == "internal_error" {
                parsed.internalError = object["message"] as? String ?? "unknown harness error"
                continue
            }
            guard object["nonce"] as? String == nonce else { continue }
            switch type {
            case "hello": parsed.hello = true
            case "load": parsed.load = object
            case "plan":
                parsed.planned = object["tests"] as? Int
                parsed.planError = object["error"] as? String
            case "test":
                guard let index = object["index"] as? Int else { continue }
                if parsed.tests[index] != nil { parsed.duplicate = true }
                parsed.signals[index] = (object["signal"] as? Int).map { Int32(clamping: $0) }
                parsed.tests[index] = TestRecord(
                    index: index, kind: object["kind"] as? String ?? "test",
                    status: object["status"] as? String ?? "error",
                    message: object["message"] as? String ?? "", source: object["source"] as? String ?? "",
                    wallSeconds: object["wall"] as? Double ?? 0, cpuSeconds: object["cpu"] as? Double ?? 0,
                    candidateLine: Self.line(object["candidate_line"]))
            case "done": parsed.done = object
            default: continue
            }
        }
        return parsed
    }

    struct Decision: Equatable {
        var verdict: Verdict
        var message: String
        var failingTest: Int?
        var signal: Int32?
        var candidateLine: Int? = nil
    }

    /// A positive line number, or nil: the field comes from the sandbox and is checked like input.
    static func line(_ value: Any?) -> Int? {
        guard let line = value as? Int, line > 0, line < 10_000_000 else { return nil }
        return line
    }

    func decide(_ parsed: Parsed, _ observation: Observation) -> Decision {
        func decision(_ v: Verdict, _ m: String, test: Int? = nil, signal: Int32? = nil) -> Decision {
            Decision(verdict: v, message: m, failingTest: test, signal: signal)
        }
        let wallText = String(format: "killed by the wall-clock limit after %.2f s", observation.wallSeconds)
        if let error = parsed.internalError {
            return decision(.sandboxError, "harness error: \(error)")
        }
        guard parsed.hello else {
            if observation.killedAtWall { return decision(.timeout, wallText) }
            let tail = observation.stderr.tail.isEmpty ? observation.stderr.head : observation.stderr.tail
            return decision(.sandboxError, "the sandbox did not start: " + tail.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let load = parsed.load, let status = load["status"] as? String, status != "ok" {
            let message = load["message"] as? String ?? ""
            switch status {
            case "syntax_error": return decision(.syntaxError, message)
            case "memory": return decision(.memory, message)
            case "timeout": return decision(.timeout, "while loading: " + message)
            case "crashed":
                let signal = Int32(load["signal"] as? Int ?? 0)
                return decision(.crashed, "while loading: " + message, signal: signal)
            case "exited": return decision(.error, "exited before the tests ran: " + message)
            default:
                var result = decision(.error, message)
                result.candidateLine = Self.line(load["candidate_line"])
                return result
            }
        }
        if let error = parsed.planError {
            return decision(.sandboxError, "the tests could not be set up: \(error)")
        }
        guard let planned = parsed.planned, parsed.load != nil else {
            if observation.killedAtWall { return decision(.timeout, wallText) }
            return decision(.failed, "the tester was terminated before the tests ran")
        }
        if let expected = expectedTests, expected != planned {
            return decision(.sandboxError, "the tester planned \(planned) tests, the suite has \(expected)")
        }
        if parsed.duplicate { return decision(.failed, "duplicate test records") }
        for index in 0..<planned {
            guard let record = parsed.tests[index] else {
                if observation.killedAtWall { return decision(.timeout, wallText, test: index) }
                return decision(.failed, "no record for test \(index): the tester was terminated", test: index)
            }
            guard record.status != "pass" else { continue }
            let what = "test \(index) `\(record.source)`: \(record.message)"
            switch record.status {
            case "timeout": return decision(.timeout, what, test: index)
            case "memory": return decision(.memory, what, test: index)
            case "crashed": return decision(.crashed, what, test: index, signal: parsed.signals[index])
            default:
                var result = decision(.failed, what, test: index)
                result.candidateLine = record.candidateLine
                return result
            }
        }
        guard let done = parsed.done, done["tests"] as? Int == planned else {
            if observation.killedAtWall { return decision(.timeout, wallText) }
            return decision(.failed, "the tester was terminated before it finished")
        }
        if planned == 0 { return decision(.failed, "there are no tests to run") }
        return decision(.passed, "")
    }

}
