/// A figure a backend reports about itself for `GET /metrics` (Prometheus): a counter (only grows
/// while the process runs) or a gauge (a current value).
public struct StorageStatistic: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge
    }

    /// `statusgraph_…`, with `_total` for a counter.
    public let name: String
    public let help: String
    public let kind: Kind
    public let value: Double

    public init(_ name: String, _ kind: Kind, _ value: Double, help: String) {
        self.name = name
        self.help = help
        self.kind = kind
        self.value = value
    }

    public init(_ name: String, _ kind: Kind, _ value: Int, help: String) {
        self.init(name, kind, Double(value), help: help)
    }
}
