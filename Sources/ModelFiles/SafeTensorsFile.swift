import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where one tensor lives inside a safetensors file.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Offsets relative to the start of the data section (after the header).
    public let dataOffsets: Range<Int>

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { dataOffsets.count }
}

/// A memory-mapped `.safetensors` file. The header is validated completely on open, so
/// every `TensorInfo` it hands out lies inside the map; nothing is read past it.
public final class SafeTensorsFile: @unchecked Sendable {
    // @unchecked: the mapping is read-only and immutable for the object's lifetime.
    public let url: URL
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    /// Names in file order (by data offset).
    public let tensorNames: [String]
    public let fileSize: Int

    private let mapping: UnsafeRawPointer?
    private let dataStart: Int

    /// Largest header we accept; real ones are tens of kilobytes.
    static let maximumHeaderBytes = 100 * 1024 * 1024

    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw ModelFilesError.fileNotFound(path: path) }
            throw ModelFilesError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ModelFilesError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelFilesError.unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        fileSize = size
        guard size >= 8 else {
            throw ModelFilesError.truncated(file: path, reason: "\(size) bytes, shorter than the 8-byte header length")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelFilesError.unreadable(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let raw = UnsafeRawPointer(base)
        do {
            let parsed = try Self.parseHeader(raw, fileSize: size, file: path)
            mapping = raw
            dataStart = parsed.dataStart
            tensors = parsed.tensors
            metadata = parsed.metadata
            tensorNames = parsed.tensors.values.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound || ($0.dataOffsets.lowerBound == $1.dataOffsets.lowerBound && $0.name < $1.name) }.map(\.name)
        } catch {
            munmap(base, size)
            throw error
        }
    }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping), fileSize) }
    }

    /// Drops this process's resident copy of the whole pages inside `bytes` (a tensor another
    /// layout now holds), so a model that repacks its weights keeps about one copy in memory. The
    /// mapping is private and never written: a later read faults the same bytes back from the file.
    public func releasePages(of bytes: UnsafeRawBufferPointer) {
        guard let mapping, let start = bytes.baseAddress, start >= mapping, start + bytes.count <= mapping + fileSize else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lower = (Int(bitPattern: start) + page - 1) / page * page
        let upper = (Int(bitPattern: start) + bytes.count) / page * page
        guard upper > lower, let first = UnsafeMutableRawPointer(bitPattern: lower) else { return }
        madvise(first, upper - lower, MADV_DONTNEED)
    }

    /// Raw bytes of a tensor, valid while this file object lives.
    public func bytes(of info: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mapping! + dataStart + info.dataOffsets.lowerBound, count: info.byteCount)
    }

    private struct ParsedHeader {
        var dataStart: Int
        var tensors: [String: TensorInfo]
        var metadata: [String: String]
    }

    private static func parseHeader(_ raw: UnsafeRawPointer, fileSize: Int, file: String) throws -> ParsedHeader {
        var length: UInt64 = 0
        withUnsafeMutableBytes(of: &length) { $0.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: 8)) }
        length = UInt64(littleEndian: length)
        guard length <= UInt64(maximumHeaderBytes) else {
            throw ModelFilesError.invalidHeader(file: file, reason: "header length \(length) is implausibly large")
        }
        let headerBytes = Int(length)
        guard 8 + headerBytes <= fileSize else {
            throw ModelFilesError.truncated(file: file, reason: "header claims \(headerBytes) bytes but the file has \(fileSize - 8) after the length")
        }
        let headerData = Data(bytes: raw + 8, count: headerBytes)
        let header: RawHeader
        do {
            header = try JSONDecoder().decode(RawHeader.self, from: headerData)
        } catch let error as HeaderEntryError {
            throw ModelFilesError.invalidHeader(file: file, reason: error.reason)
        } catch {
            throw ModelFilesError.invalidHeader(file: file, reason: "header is not a JSON object of tensor entries")
        }
        let dataBytes = fileSize - 8 - headerBytes
        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in header.entries {
            tensors[name] = try validate(name: name, entry: entry, dataBytes: dataBytes, file: file)
        }
        try checkNoOverlap(Array(tensors.values), file: file)
        return ParsedHeader(dataStart: 8 + headerBytes, tensors: tensors, metadata: header.metadata)
    }

    private static func validate(name: String, entry: RawEntry, dataBytes: Int, file: String) throws -> TensorInfo {
        guard let dtype = DType(rawValue: entry.dtype) else {
            throw ModelFilesError.unknownDType(file: file, tensor: name, dtype: entry.dtype)
        }
        let shape = entry.shape
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ModelFilesError.invalidShape(file: file, tensor: name, shape: shape)
        }
        guard entry.dataOffsets.count == 2 else {
            throw ModelFilesError.invalidHeader(file: file, reason: "entry '\(name)': data_offsets must be [begin, end]")
        }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard begin >= 0, end >= begin, end <= dataBytes else {
            throw ModelFilesError.offsetsOutOfBounds(file: file, tensor: name, begin: begin, end: end, dataBytes: dataBytes)
        }
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw ModelFilesError.invalidShape(file: file, tensor: name, shape: shape) }
            elements = product
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == end - begin else {
            throw ModelFilesError.byteCountMismatch(file: file, tensor: name, expected: overflow ? Int.max : expected, actual: end - begin)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    private static func checkNoOverlap(_ infos: [TensorInfo], file: String) throws {
        let ordered = infos.filter { !$0.dataOffsets.isEmpty }.sorted { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
            throw ModelFilesError.overlappingTensors(file: file, tensor: next.name, other: previous.name)
        }
    }
}

// MARK: - Header decoding

private struct HeaderEntryError: Error {
    let reason: String
}

private struct RawEntry: Decodable {
    let dtype: String
    let shape: [Int]
    let dataOffsets: [Int]

    enum CodingKeys: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }
}

/// The header is one JSON object: tensor entries plus an optional `__metadata__` map.
private struct RawHeader: Decodable {
    var entries: [String: RawEntry] = [:]
    var metadata: [String: String] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                guard let metadata = try? container.decode([String: String].self, forKey: key) else {
                    throw HeaderEntryError(reason: "__metadata__ must map strings to strings")
                }
                self.metadata = metadata
                continue
            }
            do {
                entries[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
            } catch {
                throw HeaderEntryError(reason: "entry '\(key.stringValue)' needs dtype (string), shape and data_offsets (integers)")
            }
        }
    }
}
