/// A program to verify, in one of the two benchmark shapes.
public enum Program: Sendable, Equatable {
    /// human-eval: the candidate module is `prompt + completion`; `test` defines
    /// `check(candidate)`, which is called with `entryPoint`.
    case humanEval(prompt: String, completion: String, test: String, entryPoint: String)
    /// MBPP: the candidate module is `code`; `setup` (trusted) runs before the tests, each
    /// of which is one Python statement (usually an `assert`).
    case mbpp(code: String, setup: String, tests: [String])

    /// The text executed in the candidate process.
    var candidateSource: String {
        switch self {
        case .humanEval(let prompt, let completion, _, _): return prompt + completion + "\n"
        case .mbpp(let code, _, _): return code + "\n"
        }
    }

    /// Trusted fields for the tester, read only after the candidate process has forked.
    func testerFields(nonce: String, timeout: Double, scanProcesses: Bool) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("nonce", nonce), ("timeout", String(timeout)), ("scan_processes", scanProcesses ? "1" : "0"),
        ]
        switch self {
        case .humanEval(let prompt, _, let test, let entryPoint):
            fields += [("kind", "humaneval"), ("prompt", prompt), ("test", test), ("entry_point", entryPoint)]
        case .mbpp(_, let setup, let tests):
            fields += [("kind", "mbpp"), ("setup", setup), ("count", String(tests.count))]
            fields += tests.enumerated().map { ("test\($0.offset)", $0.element) }
        }
        return fields
    }

    /// The job as the harness reads it on fd 4: "<len>\n<bytes>" frames.
    func jobBytes(nonce: String, timeout: Double, scanProcesses: Bool) -> [UInt8] {
        func frame(_ bytes: [UInt8]) -> [UInt8] { Array("\(bytes.count)\n".utf8) + bytes }
        // NUL separates fields; a NUL inside suite text could only break its own Python anyway.
        let kv = testerFields(nonce: nonce, timeout: timeout, scanProcesses: scanProcesses)
            .flatMap { [$0.0, $0.1.replacingOccurrences(of: "\0", with: "")] }
            .joined(separator: "\0")
        return frame(Array(candidateSource.utf8)) + frame(Array(kv.utf8))
    }

    /// The same program as one plain script (prompt, completion, tests), for the unsandboxed
    /// baseline of `tolerator bench sandbox`; never used for verdicts.
    public var plainScript: String {
        switch self {
        case .humanEval(let prompt, let completion, let test, let entryPoint):
            return prompt + completion + "\n" + test + "\n" + "check(\(entryPoint))\n"
        case .mbpp(let code, let setup, let tests):
            return ([setup, code] + tests).joined(separator: "\n") + "\n"
        }
    }
}
