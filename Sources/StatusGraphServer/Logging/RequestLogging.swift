import Logging

/// What ties a log line to the request it was written for: the `request-id` its answer carries (a header,
/// and Graph's error body's `innerError`), which a client quotes when it reports a failure. Set for the
/// whole handling of a request, the requests of a `$batch` included; every line written meanwhile
/// carries it as metadata, through `metadataProvider`.
public enum RequestLogging {
    @TaskLocal static var requestID: String?

    /// Adds `request-id` to the lines written while a request is handled (rendered only for lines written).
    public static let metadataProvider = Logger.MetadataProvider {
        requestID.map { ["request-id": .string($0)] } ?? [:]
    }
}
