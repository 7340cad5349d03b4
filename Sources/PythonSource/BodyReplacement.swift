extension PythonFunction {
    /// The whole file with the stub body replaced by `candidate`; every byte outside the
    /// replaced lines is kept.
    ///
    /// The candidate may be indented any way (or start unindented and continue indented, as a
    /// completion after an indented prompt does), may repeat the `def` header or the docstring,
    /// and may trail unrelated top-level code: the header and a repeated docstring are dropped
    /// (the file's docstring stays), and the body ends at the first line indented less than
    /// its first statement.  Statement lines are re-indented to the file's indentation (tabs
    /// or spaces); lines inside string literals are never changed; line endings follow the file.
    public func replacingBody(with candidate: String) throws(PythonSourceError) -> [UInt8] {
        let eol = Array(file.lineEnding.rawValue.utf8)
        let bytes = file.bytes
        var body = normalizedLines(candidate)
        guard !body.isEmpty else { throw .emptyCandidate(name: qualifiedName) }

        if definition.hasInlineBody {
            let start = header.tokens[definition.colonToken].end
            let end = scanned.contentRange(ofLine: header.lastLine).upperBound
            let indent = Array(scanned.bytes[scanned.indentRange(ofLine: header.firstLine)]) + Array(file.indentUnit.utf8)
            if let docstring { body.insert(BodyLine(bytes: Array(docstring.utf8), verbatim: false), at: 0) }
            var inserted: [UInt8] = []
            for line in body { inserted += eol + line.indented(by: indent) }
            return Array(bytes[..<start]) + inserted + Array(bytes[end...])
        }

        let indent = Array(bodyIndent.utf8)
        let afterLine = docstringLogical.map { lines[$0].lastLine } ?? header.lastLine
        let start = scanned.endIncludingNewline(ofLine: afterLine)
        let end = scanned.endIncludingNewline(ofLine: lines[definition.body.upperBound - 1].lastLine)
        var inserted: [UInt8] = []
        // A docstring on the file's last line without a newline still needs one before the body.
        if start > 0, bytes[start - 1] != UInt8(ascii: "\n") { inserted += eol }
        for (index, line) in body.enumerated() {
            if index > 0 { inserted += eol }
            inserted += line.indented(by: indent)
        }
        if end < bytes.count || bytes.last == UInt8(ascii: "\n") { inserted += eol }
        return Array(bytes[..<start]) + inserted + Array(bytes[end...])
    }

    /// The candidate's lines relative to the body's indentation (level 0 = body indent), with
    /// nested levels in the file's indent unit.  Empty when there is no code.
    func normalizedLines(_ candidate: String) -> [BodyLine] {
        var text = Array(candidate.utf8)
        // LF only while working; the file's line ending is applied when joining.
        text = text.enumerated().filter { $0.element != UInt8(ascii: "\r") || $0.offset + 1 >= text.count
            || text[$0.offset + 1] != UInt8(ascii: "\n") }.map(\.element)
        text = extractRepeatedDefinition(text) ?? text
        let scan = ScannedText(text)
        var logical = scan.logicalLines
        guard var firstCode = logical.firstIndex(where: { !$0.isCommentOnly }) else { return [] }

        // A repeated docstring: the file keeps its own.
        if docstring != nil, logical[firstCode].tokens.allSatisfy({ $0.kind == .string }) {
            logical.remove(at: firstCode)
            guard let next = logical.indices.first(where: { $0 >= firstCode && !logical[$0].isCommentOnly }) else {
                return []
            }
            firstCode = next
        }
        let code = logical.indices.filter { $0 >= firstCode && !logical[$0].isCommentOnly }
        func width(_ k: Int) -> Int { scan.indentWidth(ofLine: logical[k].firstLine) }

        // The first statement may sit at column 0 after a prompt that ended in indentation.
        var firstWidth = width(firstCode)
        let rest = code.dropFirst().map(width)
        if firstWidth == 0, let smallest = rest.min(), smallest > 0 {
            let opensBlock = logical[firstCode].tokens.last.map {
                $0.depth == 0 && scan.bytes[$0.start] == UInt8(ascii: ":")
            } ?? false
            if !(opensBlock && rest.first == smallest) { firstWidth = smallest }
        }
        let base = firstWidth
        // The body ends where a statement dedents below its first line.
        let stop = code.dropFirst().first { width($0) < base }
        let kept = logical.indices.filter { k in
            k >= firstCode && (stop.map { k < $0 } ?? true)
        }
        // Drop trailing comment-only lines so the body ends with code.
        var lastKept = kept.count
        while lastKept > 0, logical[kept[lastKept - 1]].isCommentOnly { lastKept -= 1 }
        let used = kept[..<lastKept]
        guard let lastUsed = used.last else { return [] }

        let unit = code.filter { k in stop.map { k < $0 } ?? true }.dropFirst().map { width($0) - base }
            .filter { $0 > 0 }.min() ?? 4
        let fileUnit = Array(file.indentUnit.utf8)
        func newIndent(relative: Int) -> [UInt8] {
            let relative = max(relative, 0)
            return Array(repeating: fileUnit, count: relative / unit).flatMap { $0 }
                + Array(repeating: UInt8(ascii: " "), count: relative % unit)
        }

        var output: [BodyLine] = []
        var startIndent: [Int: (original: Int, new: [UInt8])] = [:]
        for k in used {
            let line = logical[k]
            let original = scan.indentWidth(ofLine: line.firstLine)
            let relative = k == firstCode ? 0 : original - base
            startIndent[k] = (original, newIndent(relative: relative))
        }
        let firstLine = logical[used.first!].firstLine
        var owner = used.first!
        for physical in firstLine...logical[lastUsed].lastLine {
            let content = Array(scan.bytes[scan.contentRange(ofLine: physical)])
            if let k = used.first(where: { logical[$0].firstLine == physical }) {
                owner = k
                let stripped = Array(scan.bytes[scan.indentRange(ofLine: physical).upperBound..<scan.contentRange(ofLine: physical).upperBound])
                output.append(BodyLine(bytes: startIndent[k]!.new + stripped, verbatim: false))
            } else if scan.startsInString.contains(physical) {
                output.append(BodyLine(bytes: content, verbatim: true))
            } else if !used.contains(where: { logical[$0].firstLine <= physical && physical <= logical[$0].lastLine }) {
                output.append(BodyLine(bytes: [], verbatim: false))  // a blank line between statements
            } else {
                // A bracket or backslash continuation: keep its offset from its statement's start.
                let range = scan.indentRange(ofLine: physical)
                let stripped = Array(scan.bytes[range.upperBound..<scan.contentRange(ofLine: physical).upperBound])
                if stripped.isEmpty {
                    output.append(BodyLine(bytes: [], verbatim: false))
                    continue
                }
                let offset = ScannedText.width(scan.bytes[range]) - startIndent[owner]!.original
                let alignment = Array(repeating: UInt8(ascii: " "), count: max(offset, 0))
                output.append(BodyLine(bytes: startIndent[owner]!.new + alignment + stripped, verbatim: false))
            }
        }
        while let last = output.last, last.bytes.isEmpty, !last.verbatim { output.removeLast() }
        return output
    }

    /// When the candidate restates `def <name>(...)`, its body; otherwise nil.
    func extractRepeatedDefinition(_ text: [UInt8]) -> [UInt8]? {
        guard let parsed = try? PythonFile(bytes: text, path: "<candidate>"),
            let first = parsed.definitions.first, first.kind == .function, first.name == definition.name,
            parsed.scanned.logicalLines.firstIndex(where: { !$0.isCommentOnly }) == first.firstLogical
        else { return nil }
        let scan = parsed.scanned
        let header = scan.logicalLines[first.headerLogical]
        if first.hasInlineBody {
            let start = header.tokens[first.colonToken].end
            let end = scan.contentRange(ofLine: header.lastLine).upperBound
            return Array(text[start..<end].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        }
        let start = scan.endIncludingNewline(ofLine: header.lastLine)
        let end = scan.endIncludingNewline(ofLine: scan.logicalLines[first.body.upperBound - 1].lastLine)
        return Array(text[start..<end])
    }
}

/// One line of a normalised body: relative to the body's indentation, or (inside a string
/// literal) verbatim.
struct BodyLine {
    var bytes: [UInt8]
    var verbatim: Bool

    func indented(by indent: [UInt8]) -> [UInt8] {
        verbatim || bytes.isEmpty ? bytes : indent + bytes
    }
}
