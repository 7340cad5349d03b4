/// Keeps the longest part of a module that looks like complete Python: every complete import,
/// plus the definitions and assignments the entry point reaches by name (all of them when the
/// entry point is unknown or not defined), in source order. Truncated trailing lines of a
/// definition are dropped until it is complete again; prose, tests, `print`s and
/// `if __name__ == "__main__":` blocks are dropped.
enum Sanitizer {
    static func sanitize(_ module: String, entryPoint: String) -> String {
        let structure = PythonStructure(module)
        var kept: [(statement: PythonStructure.Statement, text: String)] = []
        for statement in structure.statements {
            switch statement.kind {
            case .mainGuard, .other: continue
            case .importStatement, .assignment:
                if statement.valid { kept.append((statement, structure.text(statement.lines))) }
            case .definition:
                if let repaired = repair(statement) { kept.append((repaired, structure.text(repaired.lines))) }
            }
        }
        let reachable = reachableNames(kept.map { ($0.statement.kind, $0.text) }, entryPoint: entryPoint)
        let chosen = kept.filter { item in
            switch item.statement.kind {
            case .importStatement: return true
            case .definition(let name): return reachable.map { $0.contains(name) } ?? true
            case .assignment(let names): return reachable.map { r in names.contains { r.contains($0) } } ?? true
            default: return false
            }
        }
        return chosen.map(\.text).joined(separator: "\n\n") + (chosen.isEmpty ? "" : "\n")
    }

    /// Drops logical lines from the end of a definition until it is valid; nil if nothing is left.
    static func repair(_ statement: PythonStructure.Statement) -> PythonStructure.Statement? {
        if statement.valid { return statement }
        var lines = statement.lines
        while lines.count > 1 {
            lines.removeLast()
            // Lines that end a block body with a header need a body too; the validity check sees that.
            if PythonStructure.valid(lines) { return PythonStructure.Statement(kind: statement.kind, lines: lines, valid: true) }
        }
        return nil
    }

    /// Names reachable from the entry point through identifiers in definitions and assignments;
    /// nil (keep everything) when the entry point is unknown or not defined here.
    static func reachableNames(_ items: [(PythonStructure.Statement.Kind, String)], entryPoint: String) -> Set<String>? {
        var bodies: [String: [String]] = [:]
        for (kind, text) in items {
            switch kind {
            case .definition(let name): bodies[name, default: []].append(text)
            case .assignment(let names): for name in names { bodies[name, default: []].append(text) }
            default: break
            }
        }
        guard !entryPoint.isEmpty, bodies[entryPoint] != nil else { return nil }
        var reached: Set<String> = [entryPoint]
        var queue = [entryPoint]
        while let name = queue.popLast() {
            for text in bodies[name] ?? [] {
                for word in identifiers(text) where bodies[word] != nil && !reached.contains(word) {
                    reached.insert(word)
                    queue.append(word)
                }
            }
        }
        return reached
    }

    static func identifiers(_ text: String) -> Set<String> {
        var words = Set<String>()
        var current = ""
        for c in text {
            if c.isLetter || c.isNumber || c == "_" { current.append(c) } else if !current.isEmpty {
                words.insert(current)
                current = ""
            }
        }
        if !current.isEmpty { words.insert(current) }
        return words
    }

    /// Every top-level statement valid.
    static func looksComplete(_ module: String) -> Bool {
        PythonStructure(module).statements.allSatisfy(\.valid)
    }

    /// Statements a solution module should not carry: prose, tests, prints, a main guard.
    static func hasTopLevelNoise(_ module: String) -> Bool {
        PythonStructure(module).statements.contains { $0.kind == .other || $0.kind == .mainGuard }
    }

    /// `def name(` or `class name` at any indentation.
    static func defines(_ name: String, in code: String) -> Bool {
        code.split(separator: "\n").contains { line in
            let t = line.drop { $0 == " " || $0 == "\t" }
            for prefix in ["def ", "async def ", "class "] where t.hasPrefix(prefix) {
                let rest = t.dropFirst(prefix.count).drop { $0 == " " }
                if rest.hasPrefix(name), let next = rest.dropFirst(name.count).first, next == "(" || next == ":" || next == " " {
                    return true
                }
            }
            return false
        }
    }
}
