import ODataCore
import Testing

/// Query values written into nextLinks, and read back by the percent-decoding every request uses.
@Suite struct PercentEncodingTests {
    @Test(arguments: [
        ("", ""),
        ("installState eq 'failed'", "installState%20eq%20'failed'"),
        ("deviceName desc,id", "deviceName%20desc,id"),
        ("a+b&c=d#e/f?g", "a%2Bb%26c%3Dd%23e%2Ff%3Fg"),
        ("contains(userName,'é')", "contains(userName,'%C3%A9')"),
        ("$top:5~_.-", "$top:5~_.-"),
        ("100%", "100%25"),
        ("🎉", "%F0%9F%8E%89"),
    ])
    func encodesQueryValues(_ value: String, _ encoded: String) {
        #expect(PercentEncoding.encodeQueryComponent(value) == encoded)
        #expect(PercentDecoding.decode(Substring(encoded)) == value)
    }
}
