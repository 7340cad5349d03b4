/// The GPT-2 / HF `ByteLevel` byte ↔ character map: every byte gets a printable scalar so BPE
/// tokens are strings. Printable Latin-1 bytes map to themselves; the other 68 go to U+0100….
enum ByteLevel {
    /// Scalar value that stands for each byte.
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Inverse map, indexed by scalar value (all mapped scalars are below 0x144); -1 = not mapped.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The bytes a byte-level token stands for, or nil if it has a scalar outside the map
    /// (added tokens like `<|im_start|>` are plain ASCII and do map; others decode as their UTF-8).
    static func bytes(ofToken token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            out.append(UInt8(scalarToByte[v]))
        }
        return out
    }

    /// The byte-level spelling of raw bytes (how a pre-token appears in vocab.json).
    static func token(forBytes bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }
}
