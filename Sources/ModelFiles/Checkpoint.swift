import Foundation

/// A tensor inside a checkpoint: where it is and its bytes, kept alive by its file.
public struct TensorView: @unchecked Sendable {
    // @unchecked: `file` is an immutable read-only mapping.
    public let info: TensorInfo
    public let file: SafeTensorsFile

    public var name: String { info.name }
    public var dtype: DType { info.dtype }
    public var shape: [Int] { info.shape }
    public var elementCount: Int { info.elementCount }
    public var bytes: UnsafeRawBufferPointer { file.bytes(of: info) }

    /// Widens elements `range` (flat indices) to float32 into `destination`, exactly.
    public func convert(elements range: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= elementCount, "\(name): element range out of bounds")
        let source = bytes.baseAddress!
        switch dtype {
        case .f32:
            // Unaligned-safe copy: safetensors only guarantees 8-byte header alignment in practice.
            memcpy(destination, source + range.lowerBound * 4, range.count * 4)
        case .bf16:
            let halves = source + range.lowerBound * 2
            for index in 0..<range.count {
                destination[index] = DType.bf16ToFloat(halves.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
            }
        case .f16:
            let halves = source + range.lowerBound * 2
            for index in 0..<range.count {
                destination[index] = DType.f16ToFloat(halves.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
            }
        }
    }

    /// The whole tensor as float32 (for small tensors: norms, biases, tests).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: elementCount) { buffer, count in
            if elementCount > 0 { convert(elements: 0..<elementCount, into: buffer.baseAddress!) }
            count = elementCount
        }
    }
}

/// All safetensors of a model folder: `model.safetensors`, a sharded set described by
/// `model.safetensors.index.json`, or (without an index) every `*.safetensors` present.
public final class Checkpoint: @unchecked Sendable {
    // @unchecked: immutable after init; files are read-only mappings.
    public let directory: URL
    public let files: [SafeTensorsFile]
    public let tensors: [String: TensorView]

    public static let indexFileName = "model.safetensors.index.json"

    public init(directory: URL) throws {
        self.directory = directory
        let fileManager = FileManager.default
        let indexURL = directory.appendingPathComponent(Self.indexFileName)
        if fileManager.fileExists(atPath: indexURL.path) {
            (files, tensors) = try Self.openSharded(index: indexURL, directory: directory)
            return
        }
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".safetensors") }.sorted()
        } catch {
            throw ModelFilesError.fileNotFound(path: directory.path)
        }
        guard !names.isEmpty else {
            throw ModelFilesError.fileNotFound(path: directory.appendingPathComponent("model.safetensors").path)
        }
        var opened: [SafeTensorsFile] = []
        var views: [String: TensorView] = [:]
        for name in names {
            let file = try SafeTensorsFile(url: directory.appendingPathComponent(name))
            for info in file.tensors.values {
                if let existing = views[info.name] {
                    throw ModelFilesError.duplicateTensor(tensor: info.name, files: [existing.file.url.lastPathComponent, name])
                }
                views[info.name] = TensorView(info: info, file: file)
            }
            opened.append(file)
        }
        files = opened
        tensors = views
    }

    private struct Index: Decodable {
        let weightMap: [String: String]
        enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
    }

    private static func openSharded(index indexURL: URL, directory: URL) throws -> ([SafeTensorsFile], [String: TensorView]) {
        let indexName = indexURL.lastPathComponent
        let index: Index
        do {
            index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: indexURL))
        } catch {
            throw ModelFilesError.invalidConfig(file: indexName, field: "weight_map", reason: "expected an object mapping tensor names to shard files")
        }
        var shardFiles: [String: SafeTensorsFile] = [:]
        for shard in Set(index.weightMap.values).sorted() {
            // Shard names come from a file we did not write: keep them inside the folder.
            guard !shard.contains("/"), !shard.hasPrefix(".") else {
                throw ModelFilesError.invalidConfig(file: indexName, field: "weight_map", reason: "shard name '\(shard)' is not a plain file name")
            }
            shardFiles[shard] = try SafeTensorsFile(url: directory.appendingPathComponent(shard))
        }
        var views: [String: TensorView] = [:]
        for (tensor, shard) in index.weightMap {
            guard let file = shardFiles[shard], let info = file.tensors[tensor] else {
                throw ModelFilesError.indexMismatch(indexFile: indexName, tensor: tensor, shard: shard, reason: "listed in the index but absent from the shard")
            }
            views[tensor] = TensorView(info: info, file: file)
        }
        for (shard, file) in shardFiles {
            for name in file.tensorNames where index.weightMap[name] != shard {
                throw ModelFilesError.indexMismatch(indexFile: indexName, tensor: name, shard: shard, reason: "present in the shard but the index does not list it there")
            }
        }
        return (shardFiles.keys.sorted().map { shardFiles[$0]! }, views)
    }

    public var totalBytes: Int { files.reduce(0) { $0 + $1.fileSize } }
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.elementCount } }

    /// Counts of tensors by dtype, e.g. `[.bf16: 291]`.
    public var dtypeCounts: [DType: Int] {
        tensors.values.reduce(into: [:]) { $0[$1.dtype, default: 0] += 1 }
    }

    /// Strict check against an architecture's expected tensors: the first missing, extra or
    /// mis-shaped tensor (in sorted name order) is an error naming it.
    public func validate(expected: [String: [Int]]) throws {
        for name in expected.keys.sorted() {
            guard let view = tensors[name] else {
                throw ModelFilesError.missingTensor(tensor: name, directory: directory.path)
            }
            if view.shape != expected[name]! {
                throw ModelFilesError.wrongShape(tensor: name, file: view.file.url.lastPathComponent, expected: expected[name]!, actual: view.shape)
            }
        }
        for name in tensors.keys.sorted() where expected[name] == nil {
            throw ModelFilesError.unexpectedTensor(tensor: name, file: tensors[name]!.file.url.lastPathComponent)
        }
    }

    public func tensor(_ name: String) throws -> TensorView {
        guard let view = tensors[name] else {
            throw ModelFilesError.missingTensor(tensor: name, directory: directory.path)
        }
        return view
    }
}
