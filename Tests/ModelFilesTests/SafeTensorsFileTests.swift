import Foundation
import Testing
@testable import ModelFiles

@Suite struct SafeTensorsFileTests {
    @Test func roundTripsAllThreeDTypesExactly() throws {
        let folder = try TemporaryFolder()
        let values: [Float] = [1, -2, 0.5, 3.140625, -0.0, 65280, 6.103515625e-05]
        var writer = SafeTensorsWriter()
        for dtype in DType.allCases {
            writer.entries.append(.init(name: "t.\(dtype.rawValue)", dtype: dtype, shape: [values.count], values: values))
        }
        try writer.write(to: folder.file("model.safetensors"))
        let file = try SafeTensorsFile(url: folder.file("model.safetensors"))
        #expect(file.tensors.count == 3)
        for dtype in DType.allCases {
            let info = try #require(file.tensors["t.\(dtype.rawValue)"])
            #expect(info.dtype == dtype)
            #expect(info.shape == [values.count])
            // Every value above is representable in all three dtypes.
            #expect(TensorView(info: info, file: file).floats().map(\.bitPattern) == values.map(\.bitPattern))
        }
    }

    @Test func widensSixteenBitPatternsExactly() {
        #expect(DType.bf16ToFloat(0x3F80) == 1)
        #expect(DType.bf16ToFloat(0xC000) == -2)
        #expect(DType.bf16ToFloat(0x7F80) == .infinity)
        #expect(DType.bf16ToFloat(0x0001) == Float(bitPattern: 0x0001_0000))
        #expect(DType.bf16ToFloat(0x7FC0).isNaN)
        #expect(DType.f16ToFloat(0x3C00) == 1)
        #expect(DType.f16ToFloat(0x0001) == 0x1p-24)
        #expect(DType.f16ToFloat(0xFC00) == -.infinity)
        #expect(DType.f16ToFloat(0x7BFF) == 65504)
        // Narrowing rounds to nearest even: 1 + 2^-8 lies halfway between two bf16 values.
        #expect(DType.floatToBF16(1 + 0x1p-8) == 0x3F80)
        #expect(DType.floatToBF16(1 + 0x1p-8 + 0x1p-16) == 0x3F81)
    }

    @Test func rejectsFileShorterThanLengthPrefix() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.safetensors", Data([1, 2, 3]))
        let error = modelError { try SafeTensorsFile(url: folder.file("a.safetensors")) }
        guard case .truncated(let file, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(file.hasSuffix("a.safetensors"))
    }

    @Test func rejectsHeaderLongerThanFile() throws {
        let folder = try TemporaryFolder()
        var data = Data()
        withUnsafeBytes(of: UInt64(4096).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data("{}".utf8))
        try folder.write("a.safetensors", data)
        let error = modelError { try SafeTensorsFile(url: folder.file("a.safetensors")) }
        guard case .truncated = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func truncatedDataNamesTheTensor() throws {
        let folder = try TemporaryFolder()
        let writer = SafeTensorsWriter(entries: [
            .init(name: "first", dtype: .f32, shape: [4], values: [1, 2, 3, 4]),
            .init(name: "second", dtype: .f32, shape: [4], values: [5, 6, 7, 8]),
        ])
        let full = try writer.serialized()
        try folder.write("cut.safetensors", full.prefix(full.count - 3))
        let error = modelError { try SafeTensorsFile(url: folder.file("cut.safetensors")) }
        #expect(error == .offsetsOutOfBounds(file: folder.file("cut.safetensors").path, tensor: "second", begin: 16, end: 32, dataBytes: 29))
        #expect(error?.description.contains("'second'") == true)
    }

    @Test func headerWhoseOffsetsDisagreeWithShapeIsRejected() throws {
        let folder = try TemporaryFolder()
        try folder.write("lie.safetensors", rawSafetensors(
            header: #"{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#, dataBytes: 24))
        let error = modelError { try SafeTensorsFile(url: folder.file("lie.safetensors")) }
        #expect(error == .byteCountMismatch(file: folder.file("lie.safetensors").path, tensor: "w", expected: 24, actual: 20))
    }

    @Test func overlappingTensorsAreRejected() throws {
        let folder = try TemporaryFolder()
        try folder.write("overlap.safetensors", rawSafetensors(header: """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
            """, dataBytes: 12))
        let error = modelError { try SafeTensorsFile(url: folder.file("overlap.safetensors")) }
        #expect(error == .overlappingTensors(file: folder.file("overlap.safetensors").path, tensor: "b", other: "a"))
    }

    @Test func unknownDTypeNamesTensorAndType() throws {
        let folder = try TemporaryFolder()
        try folder.write("i64.safetensors", rawSafetensors(
            header: #"{"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, dataBytes: 8))
        let error = modelError { try SafeTensorsFile(url: folder.file("i64.safetensors")) }
        #expect(error == .unknownDType(file: folder.file("i64.safetensors").path, tensor: "ids", dtype: "I64"))
    }

    @Test func malformedHeadersAreTypedErrors() throws {
        let folder = try TemporaryFolder()
        let cases = [
            "not json at all",
            #"["a", "list"]"#,
            #"{"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#,
            #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}"#,
            #"{"w": {"shape": [1], "data_offsets": [0, 4]}}"#,
            #"{"__metadata__": {"format": 3}}"#,
        ]
        for (index, header) in cases.enumerated() {
            try folder.write("bad\(index).safetensors", rawSafetensors(header: header, dataBytes: 4))
            let error = modelError { try SafeTensorsFile(url: folder.file("bad\(index).safetensors")) }
            guard case .invalidHeader(let file, _) = error else {
                Issue.record("case \(index): got \(String(describing: error))")
                continue
            }
            #expect(file.hasSuffix("bad\(index).safetensors"))
        }
        try folder.write("neg.safetensors", rawSafetensors(
            header: #"{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, dataBytes: 4))
        #expect(modelError { try SafeTensorsFile(url: folder.file("neg.safetensors")) }
            == .invalidShape(file: folder.file("neg.safetensors").path, tensor: "w", shape: [-1]))
    }

    @Test func missingFileIsNamed() {
        let error = modelError { try SafeTensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
        #expect(error == .fileNotFound(path: "/nonexistent/x.safetensors"))
    }

    @Test func metadataIsRead() throws {
        let folder = try TemporaryFolder()
        let writer = SafeTensorsWriter(entries: [.init(name: "w", dtype: .bf16, shape: [1], values: [1])], metadata: ["format": "pt"])
        try writer.write(to: folder.file("m.safetensors"))
        #expect(try SafeTensorsFile(url: folder.file("m.safetensors")).metadata == ["format": "pt"])
    }
}
