/// Python string literals: reading a docstring's value and writing Swift strings as literals.
enum StringLiteral {
    /// The value of one literal token (`r"..."`, `'''...'''`, ...); escapes are decoded
    /// unless the literal is raw.  `\N{...}` is kept as written.
    static func value(of literal: String) -> String {
        // Python reads source with universal newlines: a CRLF file's docstrings hold "\n".
        let source = Array(literal.unicodeScalars)
        let scalars = source.indices.filter { source[$0] != "\r" || $0 + 1 >= source.count || source[$0 + 1] != "\n" }
            .map { source[$0] }
        var i = 0
        var raw = false
        while i < scalars.count, scalars[i] != "'", scalars[i] != "\"" {
            if scalars[i] == "r" || scalars[i] == "R" { raw = true }
            i += 1
        }
        guard i < scalars.count else { return literal }
        let quote = scalars[i]
        let triple = i + 2 < scalars.count && scalars[i + 1] == quote && scalars[i + 2] == quote
        let open = triple ? 3 : 1
        var end = scalars.count
        if end - i >= 2 * open, scalars[(end - open)..<end].allSatisfy({ $0 == quote }) { end -= open }
        let body = Array(scalars[(i + open)..<max(end, i + open)])
        if raw { return String(String.UnicodeScalarView(body)) }
        return decodeEscapes(body)
    }

    static func decodeEscapes(_ s: [Unicode.Scalar]) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        func hex(_ count: Int) -> Unicode.Scalar? {
            guard i + 1 + count <= s.count else { return nil }
            let digits = String(String.UnicodeScalarView(s[(i + 1)...(i + count)]))
            guard let value = UInt32(digits, radix: 16) else { return nil }
            return Unicode.Scalar(value)
        }
        while i < s.count {
            guard s[i] == "\\", i + 1 < s.count else {
                out.append(s[i])
                i += 1
                continue
            }
            let next = s[i + 1]
            switch next {
            case "\n": i += 2
            case "\r": i += (i + 2 < s.count && s[i + 2] == "\n") ? 3 : 2
            case "\\", "'", "\"":
                out.append(next)
                i += 2
            case "n": out.append("\n"); i += 2
            case "t": out.append("\t"); i += 2
            case "r": out.append("\r"); i += 2
            case "a": out.append("\u{07}"); i += 2
            case "b": out.append("\u{08}"); i += 2
            case "f": out.append("\u{0C}"); i += 2
            case "v": out.append("\u{0B}"); i += 2
            case "x", "u", "U":
                let count = next == "x" ? 2 : next == "u" ? 4 : 8
                i += 1
                if let scalar = hex(count) {
                    out.append(scalar)
                    i += count + 1
                } else {
                    out.append("\\")
                }
            case "0"..."7":
                var j = i + 1, value: UInt32 = 0
                while j < s.count, j < i + 4, ("0"..."7").contains(s[j]) {
                    value = value * 8 + (s[j].value - 48)
                    j += 1
                }
                out.append(Unicode.Scalar(value) ?? "?")
                i = j
            default:
                out.append("\\")
                i += 1
            }
        }
        return String(out)
    }

    /// A Python `str` literal (single-quoted, escaped) whose value is `text`.
    static func python(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else if (0xD800...0xDFFF).contains(scalar.value) {
                    out += "?"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }
}

extension String {
    func leftPadded(to count: Int) -> String {
        self.count >= count ? self : String(repeating: "0", count: count - self.count) + self
    }
}
