import NIOCore
import Testing

@testable import StatusGraphServer

/// Compressed bodies: which coding an `Accept-Encoding` gets, and answers that decode to what they were.
@Suite struct ContentCodingTests {
    @Test(arguments: [
        (nil, nil),
        ("", nil),
        ("gzip", .gzip),
        ("GZip", .gzip),
        ("x-gzip", .gzip),
        ("deflate", .deflate),
        ("gzip, deflate", .gzip),
        ("deflate, gzip", .gzip),  // a tie goes to gzip
        ("deflate;q=1, gzip;q=0.9", .deflate),
        ("gzip ; q=0.2 , deflate ; q=0.3", .deflate),
        ("br, zstd", nil),
        ("*", .gzip),
        ("*;q=0", nil),
        ("gzip;q=0, *", .deflate),
        ("gzip;q=0, deflate;q=0, *", nil),
        ("identity;q=1, gzip;q=0.001", .gzip),
        ("gzip;q=nonsense", nil),  // an unreadable weight counts as 0
        ("gzip;level=9", .gzip),  // another parameter is not a weight
        (",,gzip,,", .gzip),
    ] as [(String?, ContentCoding.ResponseCoding?)])
    func negotiation(_ header: String?, _ expected: ContentCoding.ResponseCoding?) {
        #expect(ContentCoding.negotiate(header) == expected)
    }

    @Test(arguments: [ContentCoding.ResponseCoding.gzip, .deflate])
    func answersDecodeToWhatTheyWere(_ coding: ContentCoding.ResponseCoding) throws {
        let text = Array(String(repeating: #"{"id":"01a24692-6eb8-761f-8529-8cbc41848e3f","installState":"installed"},"#, count: 200).utf8)
        let compressed = try #require(text.withUnsafeBytes { ContentCoding.encode($0, as: coding) })
        #expect(compressed.readableBytes < text.count / 10)
        let bytes = Array(compressed.readableBytesView)
        #expect(try ContentCoding.decode(bytes, header: coding.rawValue, limit: text.count) == text)
        let empty = try #require([UInt8]().withUnsafeBytes { ContentCoding.encode($0, as: coding) })
        #expect(try ContentCoding.decode(Array(empty.readableBytesView), header: coding.rawValue, limit: 10) == [])
    }
}
