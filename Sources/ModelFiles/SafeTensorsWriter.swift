import Foundation

/// Writes safetensors files: for tests, small generated checkpoints and tools.
public struct SafeTensorsWriter {
    public struct Entry {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var data: Data

        public init(name: String, dtype: DType, shape: [Int], data: Data) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        /// Encodes float32 values in `dtype` (round-to-nearest-even for the 16-bit types).
        public init(name: String, dtype: DType, shape: [Int], values: [Float]) {
            precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
            var data = Data(capacity: values.count * dtype.byteSize)
            switch dtype {
            case .f32:
                for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            case .bf16:
                for value in values { withUnsafeBytes(of: DType.floatToBF16(value).littleEndian) { data.append(contentsOf: $0) } }
            case .f16:
                for value in values { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
            self.init(name: name, dtype: dtype, shape: shape, data: data)
        }
    }

    public var entries: [Entry] = []
    public var metadata: [String: String] = [:]

    public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The file's bytes: length, JSON header padded with spaces to 8 bytes, data in entry order.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for entry in entries {
            header[entry.name] = ["dtype": entry.dtype.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + entry.data.count]]
            offset += entry.data.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for entry in entries { file.append(entry.data) }
        return file
    }

    public func write(to url: URL) throws {
        try serialized().write(to: url)
    }
}
