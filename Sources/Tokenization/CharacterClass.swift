/// Character classes the pre-tokenizer regexes ask about, as bit flags.
///
/// They follow Oniguruma (what HF `tokenizers` compiles the Split regexes with):
/// `\p{L}` is General_Category L*, `\p{N}` is N* (Nd, Nl, No), and `\s` is
/// U+0009–U+000D, U+0085 and the Z* categories (Zs, Zl, Zp). Combining marks (M*) are none of
/// these, so a mark inside a word ends a `\p{L}+` run, exactly as in the reference.
struct CharacterClass: OptionSet, Sendable {
    let rawValue: UInt8

    static let letter = CharacterClass(rawValue: 1)
    static let number = CharacterClass(rawValue: 2)
    static let whitespace = CharacterClass(rawValue: 4)
    /// `\r` or `\n` only (the `[\r\n]` of the patterns).
    static let newline = CharacterClass(rawValue: 8)
    /// Rust `regex` `\w` (Alphabetic, M*, Nd, Pc, Join_Control); used for `single_word` added tokens.
    static let word = CharacterClass(rawValue: 16)

    /// Class of one scalar; table lookups for the Basic Multilingual Plane.
    @inline(__always)
    static func of(_ value: UInt32) -> CharacterClass {
        if value < 0x10000 {
            return CharacterClass(rawValue: bmpTable[Int(value)])
        }
        return compute(value)
    }

    /// Computed once per process: 64 KiB, so the hot loop never calls into Unicode property tables.
    private static let bmpTable: [UInt8] = (0..<0x10000).map { compute(UInt32($0)).rawValue }

    static func compute(_ value: UInt32) -> CharacterClass {
        guard let scalar = Unicode.Scalar(value) else { return [] }  // surrogate code points
        var result: CharacterClass = []
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            result.insert(.number)
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            result.insert(.whitespace)
        default:
            break
        }
        switch value {
        case 0x09...0x0D, 0x85: result.insert(.whitespace)
        default: break
        }
        if value == 0x0A || value == 0x0D { result.insert(.newline) }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            result.insert(.word)
        default:
            if properties.isAlphabetic || properties.isJoinControl { result.insert(.word) }
        }
        return result
    }
}

/// Decodes the scalar starting at `i` of well-formed UTF-8 (the buffers here come from Swift
/// strings, so they always are). Returns the scalar value and its length in bytes.
@inline(__always)
func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(bytes[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 {
        return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2)
    }
    if b0 < 0xF0 {
        return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
    }
    let v = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12
        | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
    return (v, 4)
}

/// Python `str.isspace()` (what Jinja's `trim` strips): bidi classes WS, B, S and category Zs.
func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
        0x205F, 0x3000:
        return true
    default:
        return false
    }
}
