import Foundation
import ODataCore
import Testing

/// Edm.Binary and paging tokens: the same bytes as Foundation's base64 for every length around a
/// group of three, the URL-safe form unpadded, both alphabets read back, malformed text refused.
@Suite struct Base64Tests {
    static let inputs: [[UInt8]] = (0...7).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) } }
        + [Array(0...255), Array("skiptoken payload {\"q\":\"8a4d\"}".utf8)]

    @Test(arguments: inputs)
    func matchesFoundation(_ bytes: [UInt8]) {
        let standard = Data(bytes).base64EncodedString()
        #expect(Base64.encode(bytes) == standard)
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(Base64.encodeURLSafe(bytes) == urlSafe)
        #expect(Base64.decode(standard) == bytes)
        #expect(Base64.decode(urlSafe) == bytes)
        #expect(Base64.decode(Substring(urlSafe)) == bytes)
    }

    @Test(arguments: ["A", "AAAAA", "AA=A", "AA===", "A===", "AB*C", "AB C", "ABC=D"])
    func refusesMalformedText(_ text: String) {
        #expect(Base64.decode(text) == nil, "\(text)")
    }
}
