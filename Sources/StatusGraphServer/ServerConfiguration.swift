/// Everything the server can be told, with its defaults; the CLI fills it from flags in one place.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where the SQLite file and other state live.
    public var dataDirectory = "./.statusgraph"
    /// The base URL clients use, e.g. `https://graph.example.com`; from the `Host` header when nil.
    public var publicBaseURL: String?
    public var limits = ServiceLimits()
    /// How bearer tokens are checked.
    public var identity = IdentityConfiguration()
    /// HTTPS (with HTTP/2) when set; plain HTTP/1.1 otherwise.
    public var tls: TLSSettings?
    /// A connection that sends nothing for this long, between requests or within one (a head or body that
    /// stalls), is closed; so is an HTTP/2 connection without open streams.
    public var idleTimeout: Duration = .seconds(120)
    /// Answers of at least `ContentCoding.minimumCompressedBytes` are compressed (gzip or deflate) for a
    /// client whose `Accept-Encoding` asks for it, as Graph's are.
    public var compressResponses = true
    /// `POST /_statusgraph/reset` removes everything of the caller's tenant (for test suites); off by default.
    public var allowReset = false
    /// `/_statusgraph/faults` sets the faults the caller's tenant meets (delays, Graph's transient errors),
    /// for testing clients against them; off by default.
    public var allowFaults = false
    /// `GET /metrics` answers Prometheus metrics of the requests this instance answered; off by default.
    public var metrics = false

    public init() {}
}

import ODataCore

/// Every bound on client input, in one place. Each violation is a 4xx Graph error.
public struct ServiceLimits: Sendable {
    /// Bounds on query options: `$top`, `$skip`, `$expand`, `$filter` depth, nodes and `in` lists, query length.
    public var query = QueryLimits()
    /// Request bodies above this many bytes get 413.
    public var maxBodyBytes = 4 * 1024 * 1024
    /// JSON bodies nested deeper than this get 400.
    public var maxJSONDepth = 32
    /// Members per page of a collection (Intune's page size); more follow through `@odata.nextLink`.
    public var pageSize = 1000
    /// Entities in one answer with `$expand`, the expanded ones included: a page ends sooner, and an
    /// expanded collection shows fewer members per parent (the rest through its `nav@odata.nextLink`),
    /// so that one request never holds more in memory.
    public var maxAnswerEntities = 10_000
    /// Requests in one `$batch` (Graph's limit).
    public var maxBatchRequests = 20
    /// Request targets (path and query) longer than this get 400 (`414` is not a Graph answer).
    public var maxURLLength = 16 * 1024
    /// Graph's throttling (429 with `Retry-After` past a limit), when set; none by default.
    public var throttle: ThrottlePolicy?

    public init() {}
}
