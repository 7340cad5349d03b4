import CGit2

/// A 20-byte SHA-1 object id, as a value.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// 40 lowercase hex digits.
    public let hex: String

    init(_ oid: git_oid) {
        var copy = oid
        // git_oid_tostr_s writes to a thread-local buffer; copy it out at once.
        hex = String(cString: git_oid_tostr_s(&copy))
    }

    init(_ pointer: UnsafePointer<git_oid>) { self.init(pointer.pointee) }

    /// Parses 40 hex digits; nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ $0 < 128 && $0.isHexDigit }) else { return nil }
        self.hex = hex.lowercased()
    }

    var oid: git_oid {
        GitLibrary.ensure()
        var oid = git_oid()
        // Validated in init, so this cannot fail.
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    public var description: String { hex }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
