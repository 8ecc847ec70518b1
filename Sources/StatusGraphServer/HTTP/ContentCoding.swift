import CZlib

/// Request bodies sent compressed (`Content-Encoding`), which Graph accepts: the Go SDK gzips every
/// body it sends (and sends it plain only after a 415). `gzip` (and `x-gzip`) and `deflate` (zlib's
/// format, RFC 9110 §8.4.1) are undone; `identity` is nothing; any other coding is refused with 415
/// naming the ones accepted (RFC 7694). The decoded body has the same size limit as a plain one.
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
}
