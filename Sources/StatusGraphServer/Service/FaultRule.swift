import ODataCore

/// A fault to inject (`/_statusgraph/faults`, with `--allow-faults`), as a test sets it to see its
/// client meet Graph's transient failures: the requests it applies to (a method, a path pattern, a
/// probability, a number of times), and what they meet (a delay, an error answer with its code and
/// `Retry-After`). Read from JSON strictly: an unknown member or a value out of range is a 400 that
/// names it.
public struct FaultRule: Sendable, Equatable {
    /// Only requests of this method; any when nil.
    public var method: ServiceRequest.Method?
    /// Only requests whose path (after the version) matches; any when nil.
    public var path: PathPattern?
    /// The error answered, when the rule fails the request (it may only delay it).
    public var status: Int?
    public var code: String?
    public var message: String?
    /// Seconds in `Retry-After`, when set.
    public var retryAfter: Int?
    /// The chance that a matching request meets the rule, in (0, 1].
    public var probability = 1.0
    /// How many more requests meet the rule before it is removed; without end when nil.
    public var count: Int?
    /// How long a request that meets the rule waits before it is answered (or handled).
    public var latency: Duration = .zero

    /// The statuses a rule may answer: Graph's transient failures, with their codes.
    static let statuses: [Int: (kind: ODataError.Kind, code: String, message: String)] = [
        429: (.tooManyRequests, "TooManyRequests", "Too many requests; retry after the time given."),
        500: (.internalError, "InternalServerError", "An unexpected error occurred."),
        502: (.badGateway, "BadGateway", "The service did not get an answer it could use from the next one."),
        503: (.serviceUnavailable, "ServiceUnavailable", "The service is unavailable at the moment; retry later."),
        504: (.gatewayTimeout, "GatewayTimeout", "The service did not answer in time."),
    ]
    static let maxLatencyMilliseconds = 60_000
    static let maxRetryAfter = 3_600
    static let maxCount = 1_000_000
    static let maxTextLength = 1_000

    public init() {}

    /// A rule from its JSON object; `target` names it in errors (`rules[2]`).
    public init(json: JSONValue, target: String) throws(ODataError) {
        guard case .object(let object) = json else {
            throw .badRequest("A fault rule must be a JSON object, not \(json.typeNameWithArticle).", target: target)
        }
        for (name, value) in object.members {
            let at = "\(target).\(name)"
            switch name {
            case "method":
                guard case .string(let s) = value, let m = ServiceRequest.Method(rawValue: s.uppercased()) else {
                    throw .badRequest("'method' must be one of GET, POST, PATCH, PUT, DELETE.", target: at)
                }
                method = m
            case "path":
                guard case .string(let s) = value, let p = PathPattern(s) else {
                    throw .badRequest("'path' must be a path after the version, starting with '/' (e.g. /deviceAppManagement/mobileApps/*/deviceStatuses).", target: at)
                }
                path = p
            case "status":
                let n = try Self.integer(value, at: at, in: 0...999)
                guard Self.statuses[n] != nil else {
                    throw .badRequest("'status' must be one of \(Self.statuses.keys.sorted().map(String.init).joined(separator: ", ")).", target: at)
                }
                status = n
            case "code":
                code = try Self.text(value, at: at)
            case "message":
                message = try Self.text(value, at: at)
            case "retryAfter":
                retryAfter = try Self.integer(value, at: at, in: 0...Self.maxRetryAfter)
            case "probability":
                guard case .number(let s) = value, let p = Double(s), p > 0, p <= 1 else {
                    throw .badRequest("'probability' must be a number greater than 0 and at most 1.", target: at)
                }
                probability = p
            case "count":
                count = try Self.integer(value, at: at, in: 1...Self.maxCount)
            case "latencyMs":
                latency = .milliseconds(try Self.integer(value, at: at, in: 0...Self.maxLatencyMilliseconds))
            default:
                throw .badRequest(
                    "'\(name)' is not a member of a fault rule (method, path, status, code, message, retryAfter, probability, count, latencyMs).",
                    target: at)
            }
        }
        guard status != nil || latency > .zero else {
            throw .badRequest("A fault rule needs a 'status' to answer or a 'latencyMs' to wait, or both.", target: target)
        }
        guard status != nil || (code == nil && message == nil && retryAfter == nil) else {
            throw .badRequest("'code', 'message' and 'retryAfter' go with a 'status'.", target: target)
        }
    }

    private static func integer(_ value: JSONValue, at target: String, in range: ClosedRange<Int>) throws(ODataError) -> Int {
        guard case .number(let s) = value, let n = Int(s), range.contains(n) else {
            throw .badRequest("'\(target.split(separator: ".").last ?? "")' must be an integer from \(range.lowerBound) to \(range.upperBound).", target: target)
        }
        return n
    }

    private static func text(_ value: JSONValue, at target: String) throws(ODataError) -> String {
        guard case .string(let s) = value, !s.isEmpty, s.utf8.count <= maxTextLength else {
            throw .badRequest("'\(target.split(separator: ".").last ?? "")' must be a string of 1 to \(maxTextLength) bytes.", target: target)
        }
        return s
    }

    /// Whether the rule applies to a request (its probability aside).
    func matches(_ method: ServiceRequest.Method, path requestPath: Substring) -> Bool {
        if let m = self.method, m != method { return false }
        if let p = path, !p.matches(requestPath) { return false }
        return true
    }

    /// The answer of a request the rule fails, if it fails it.
    var response: ServiceResponse? {
        guard let status, let known = Self.statuses[status] else { return nil }
        let error = ODataError(
            known.kind, code: code ?? known.code,
            message: message ?? "\(known.message) (A fault injected through /_statusgraph/faults.)")
        let wait = retryAfter ?? (status == 429 ? 1 : nil)
        return ServiceResponse(error: error, headers: wait.map { [("Retry-After", String($0))] } ?? [])
    }

    /// The rule as JSON, as it is read (`count` says how many times are left).
    func write(to w: inout JSONWriter) {
        w.beginObject()
        if let method { w.key("method"); w.string(method.rawValue) }
        if let path { w.key("path"); w.string(path.text) }
        if let status { w.key("status"); w.int(Int64(status)) }
        if let code { w.key("code"); w.string(code) }
        if let message { w.key("message"); w.string(message) }
        if let retryAfter { w.key("retryAfter"); w.int(Int64(retryAfter)) }
        w.key("probability"); w.double(probability)
        if let count { w.key("count"); w.int(Int64(count)) }
        if latency > .zero { w.key("latencyMs"); w.int(latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000) }
        w.endObject()
    }
}

/// A request path pattern: segments compared without regard to ASCII case, `*` standing for any
/// characters within a segment (`mobileApps/*`, `mobileApps('*')`), a `**` segment for any number of
/// segments.
public struct PathPattern: Sendable, Equatable {
    public let text: String
    private let segments: [Substring]

    public init?(_ text: String) {
        guard text.hasPrefix("/"), text.utf8.count <= 1_000 else { return nil }
        self.text = text
        self.segments = text.split(separator: "/", omittingEmptySubsequences: true)
    }

    public func matches(_ path: Substring) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return Self.wildcard(segments, parts, isStar: { $0 == "**" }) { pattern, segment in
            Self.wildcard(Array(pattern.utf8), Array(segment.utf8), isStar: { $0 == UInt8(ascii: "*") }) { UTF8Bytes.lowercased($0) == UTF8Bytes.lowercased($1) }
        }
    }

    /// Whether `text` matches `pattern`, whose star elements stand for any run of elements: the greedy
    /// match that backs up to the last star only, so its time is at most the product of the lengths
    /// (a pattern of many stars cannot make it exponential).
    private static func wildcard<P, T>(_ pattern: [P], _ text: [T], isStar: (P) -> Bool, equal: (P, T) -> Bool) -> Bool {
        var p = 0, t = 0
        var star: (p: Int, t: Int)?
        while t < text.count {
            if p < pattern.count, isStar(pattern[p]) {
                star = (p, t)
                p += 1
            } else if p < pattern.count, equal(pattern[p], text[t]) {
                p += 1
                t += 1
            } else if let s = star {
                star = (s.p, s.t + 1)
                p = s.p + 1
                t = s.t + 1
            } else {
                return false
            }
        }
        while p < pattern.count, isStar(pattern[p]) { p += 1 }
        return p == pattern.count
    }
}
