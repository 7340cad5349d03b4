import Foundation

/// Working memory for one `encode` call.
struct EncodeScratch {
    var rawSegments: [AddedTokenMatcher.Segment] = []
    var normalizedSegments: [AddedTokenMatcher.Segment] = []
    var split = SplitScratch()
    var bpe = BPEScratch()
    var word: [UInt8] = []
    var pieces: [Range<Int>] = []
    var nextPieces: [Range<Int>] = []
}

extension Tokenizer {
    /// Token ids for `text`, as HF `Tokenizer.encode(text, add_special_tokens=...).ids`.
    /// `addSpecialTokens` lets the post-processor add what it adds (e.g. a BOS for Llama-3
    /// style files); it never affects special tokens written in the text, which always match.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var scratch = EncodeScratch()
        if addSpecialTokens { ids += prefixIDs }
        var text = text
        text.withUTF8 { encodeRaw($0, into: &ids, scratch: &scratch) }
        if addSpecialTokens { ids += suffixIDs }
        return ids.map { Int($0) }
    }

    private func encodeRaw(_ bytes: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout EncodeScratch) {
        scratch.rawSegments.removeAll(keepingCapacity: true)
        rawAddedTokens.split(bytes, 0..<bytes.count, into: &scratch.rawSegments)
        let segments = scratch.rawSegments
        for segment in segments {
            if let id = segment.tokenID {
                ids.append(id)
            } else {
                encodeNormalizing(bytes, segment.range, into: &ids, scratch: &scratch)
            }
        }
    }

    /// NFC only changes text with a scalar at or above U+0300 (UTF-8 lead byte 0xCC or more):
    /// below that nothing decomposes, and nothing composes with a following character.
    private func needsNFC(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard nfc else { return false }
        for i in range where bytes[i] >= 0xCC { return true }
        return false
    }

    private func encodeNormalizing(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int32], scratch: inout EncodeScratch
    ) {
        if needsNFC(bytes, range) {
            let piece = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            var normalized = piece.precomposedStringWithCanonicalMapping
            normalized.withUTF8 { encodeNormalized($0, 0..<$0.count, into: &ids, scratch: &scratch) }
        } else {
            encodeNormalized(bytes, range, into: &ids, scratch: &scratch)
        }
    }

    private func encodeNormalized(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int32], scratch: inout EncodeScratch
    ) {
        if normalizedAddedTokens.isEmpty {
            encodeWords(bytes, range, into: &ids, scratch: &scratch)
            return
        }
        scratch.normalizedSegments.removeAll(keepingCapacity: true)
        normalizedAddedTokens.split(bytes, range, into: &scratch.normalizedSegments)
        let segments = scratch.normalizedSegments
        for segment in segments {
            if let id = segment.tokenID {
                ids.append(id)
            } else {
                encodeWords(bytes, segment.range, into: &ids, scratch: &scratch)
            }
        }
    }

    /// Pre-tokenizes plain text (Split steps, then ByteLevel) and runs BPE on each piece.
    private func encodeWords(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int32], scratch: inout EncodeScratch
    ) {
        if range.isEmpty { return }
        if splits.count == 1 && !addPrefixSpace && !byteLevelRegex {
            // The Qwen2 / Llama-3 layout: one Split regex, then the byte mapping only.
            splits[0].split(bytes, range, into: &scratch.split)
            var start = range.lowerBound
            for i in scratch.split.pieceEnds.indices {
                let end = scratch.split.pieceEnds[i]
                bpe(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &ids, scratch: &scratch.bpe)
                start = end
            }
            return
        }
        scratch.pieces.removeAll(keepingCapacity: true)
        scratch.pieces.append(range)
        for pattern in splits {
            scratch.nextPieces.removeAll(keepingCapacity: true)
            for piece in scratch.pieces {
                pattern.split(bytes, piece, into: &scratch.split)
                var start = piece.lowerBound
                for end in scratch.split.pieceEnds {
                    scratch.nextPieces.append(start..<end)
                    start = end
                }
            }
            swap(&scratch.pieces, &scratch.nextPieces)
        }
        let pieces = scratch.pieces
        for piece in pieces { byteLevel(bytes, piece, into: &ids, scratch: &scratch) }
    }

    /// ByteLevel on one piece: `add_prefix_space` first, then (with `use_regex`) the GPT-2 split.
    private func byteLevel(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int32], scratch: inout EncodeScratch
    ) {
        if addPrefixSpace && bytes[range.lowerBound] != 0x20 {
            scratch.word.removeAll(keepingCapacity: true)
            scratch.word.append(0x20)
            scratch.word.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
            let word = scratch.word
            word.withUnsafeBufferPointer { splitByteLevel($0, 0..<$0.count, into: &ids, scratch: &scratch) }
        } else {
            splitByteLevel(bytes, range, into: &ids, scratch: &scratch)
        }
    }

    private func splitByteLevel(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into ids: inout [Int32], scratch: inout EncodeScratch
    ) {
        guard byteLevelRegex else {
            bpe(UnsafeBufferPointer(rebasing: bytes[range]), into: &ids, scratch: &scratch.bpe)
            return
        }
        SplitPattern.gpt2.split(bytes, range, into: &scratch.split)
        var start = range.lowerBound
        for i in scratch.split.pieceEnds.indices {
            let end = scratch.split.pieceEnds[i]
            bpe(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &ids, scratch: &scratch.bpe)
            start = end
        }
    }

    private func bpe(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch: inout BPEScratch) {
        if word.count == 1 {
            let id = model.byteIDs[Int(word[0])]
            if id >= 0 {
                ids.append(id)
                return
            }
        }
        if cache.lookup(word, into: &ids) { return }
        let start = ids.count
        model.tokenize(word, into: &ids, scratch: &scratch)
        cache.store(word, ids: ids[start...])
    }
}
