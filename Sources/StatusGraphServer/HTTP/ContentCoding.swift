import CZlib
import Foundation
import NIOCore

/// Bodies compressed, both ways. Request bodies sent compressed (`Content-Encoding`), which Graph
/// accepts: the Go SDK gzips every body it sends (and sends it plain only after a 415). `gzip` (and
/// `x-gzip`) and `deflate` (zlib's format, RFC 9110 §8.4.1) are undone; `identity` is nothing; any
/// other coding is refused with 415 naming the ones accepted (RFC 7694). The decoded body has the same
/// size limit as a plain one. Responses, as Graph's, are compressed for a client that accepts it
/// (`Accept-Encoding`: httpx, and so the Python SDK, asks for gzip and deflate; curl with
/// `--compressed`), in the one of those it prefers.
enum ContentCoding {
    enum Failure: Error, Equatable {
        /// A coding this server does not undo.
        case unsupported(String)
        /// The bytes are not valid data of the coding named.
        case invalid(String)
        /// The decoded body is larger than the limit.
        case tooLarge
    }

    /// What a 415 names, as `Accept-Encoding`.
    static let accepted = "gzip, deflate"

    /// `body` with the codings of `header` undone (they were applied in the order listed), at most
    /// `limit` bytes of it.
    static func decode(_ body: [UInt8], header: String, limit: Int) throws(Failure) -> [UInt8] {
        let codings = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var bytes = body
        for coding in codings.reversed() where !coding.isEmpty && coding != "identity" {
            switch coding {
            case "gzip", "x-gzip": bytes = try inflate(bytes, windowBits: 15 + 16, coding: coding, limit: limit)
            case "deflate": bytes = try inflate(bytes, windowBits: 15, coding: coding, limit: limit)
            default: throw .unsupported(coding)
            }
        }
        return bytes
    }

    /// zlib's inflate over all of `input`, which must be exactly one stream (`windowBits` 15 + 16: gzip;
    /// 15: zlib), into at most `limit` bytes.
    private static func inflate(_ input: [UInt8], windowBits: Int32, coding: String, limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalid(coding)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 1024)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let outcome: Failure? = input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (status, target.count - Int(stream.avail_out))
                }
                guard output.count + produced <= limit else { return .tooLarge }
                output.append(contentsOf: chunk[..<produced])
                switch status {
                case Z_STREAM_END:
                    return stream.avail_in == 0 ? nil : .invalid(coding)  // data after the stream
                case Z_OK where produced > 0 || stream.avail_in > 0:
                    continue
                default:
                    return .invalid(coding)  // corrupt, or ended early
                }
            }
        }
        if let outcome { throw outcome }
        return output
    }

    /// A coding a response may be sent in.
    enum ResponseCoding: String, Equatable {
        case gzip, deflate

        /// zlib's `windowBits` for it: 15 (a 32 KiB window), plus 16 for gzip's wrapper instead of zlib's.
        var windowBits: Int32 { self == .gzip ? 15 + 16 : 15 }
    }

    /// Responses smaller than this are sent as they are: compressing a single entity (a few hundred
    /// bytes) saves less than a packet and costs a compressor's set-up.
    static let minimumCompressedBytes = 1024

    /// zlib's fastest level: a page of statuses shrinks to about a quarter (their ids and dates are
    /// random), at ~3 µs per KiB here; level 6 shrinks it 10% more for twice the time.
    static let level: Int32 = 1

    /// The coding to answer in, from a request's `Accept-Encoding` (RFC 9110 §12.5.3): of gzip and
    /// deflate, the one with the highest weight above 0 (gzip on a tie; `*` stands for either one not
    /// named); nil when neither is acceptable or the header is absent (then the body goes as it is).
    static func negotiate(_ header: String?) -> ResponseCoding? {
        guard let header else { return nil }
        var gzip: Double?
        var deflate: Double?
        var any: Double?
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let name = parts.first?.trimmingCharacters(in: .whitespaces).lowercased(), !name.isEmpty else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q" { weight = Double(pair[1]).map { min(max($0, 0), 1) } ?? 0 }
            }
            switch name {
            case "gzip", "x-gzip": gzip = max(gzip ?? 0, weight)
            case "deflate": deflate = max(deflate ?? 0, weight)
            case "*": any = weight
            default: continue
            }
        }
        let gzipWeight = gzip ?? any ?? 0
        let deflateWeight = deflate ?? any ?? 0
        if gzipWeight > 0, gzipWeight >= deflateWeight { return .gzip }
        return deflateWeight > 0 ? .deflate : nil
    }

    /// `bytes` compressed in `coding`, in one pass (the output sized by zlib's bound, so one call ends it).
    static func encode(_ bytes: UnsafeRawBufferPointer, as coding: ResponseCoding) -> ByteBuffer? {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, coding.windowBits, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(bytes.count)))
        var output = ByteBufferAllocator().buffer(capacity: bound)
        let finished = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
            stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(bytes.count)
            stream.next_out = target.baseAddress?.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(target.count)
            guard CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
            return target.count - Int(stream.avail_out)
        }
        return finished > 0 ? output : nil
    }
}
