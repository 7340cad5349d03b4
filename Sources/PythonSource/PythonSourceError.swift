/// Why a Python file or function could not be read or rewritten.
public enum PythonSourceError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file holds a NUL byte or is not UTF-8, so it is not Python source.
    case binary(path: String)
    /// No function of that (dotted) name; `similar` lists the file's closest names.
    case functionNotFound(name: String, path: String, similar: [String])
    /// The name resolves to a class, not a function.
    case notAFunction(name: String, path: String, line: Int)
    /// The function already has a real body; `firstStatement` quotes its first line.
    case notAStub(name: String, path: String, line: Int, firstStatement: String)
    /// A generated body had no code once blank lines and a repeated docstring were removed.
    case emptyCandidate(name: String)

    public var description: String {
        switch self {
        case .binary(let path):
            return "\(path) is a binary file (a NUL byte or invalid UTF-8), not Python source"
        case .functionNotFound(let name, let path, let similar):
            let hint = similar.isEmpty ? "" : "; similar names: " + similar.joined(separator: ", ")
            return "no function `\(name)` in \(path)" + hint
        case .notAFunction(let name, let path, let line):
            return "`\(name)` in \(path) (line \(line)) is a class, not a function"
        case .notAStub(let name, let path, let line, let firstStatement):
            return "`\(name)` in \(path) (line \(line)) already has a body (`\(firstStatement)`); "
                + "a stub body is `...`, `pass`, `raise NotImplementedError`, a docstring or TODO comments"
        case .emptyCandidate(let name):
            return "the generated body for `\(name)` is empty"
        }
    }
}
