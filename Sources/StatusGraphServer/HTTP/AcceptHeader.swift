import ODataCore

/// The `Accept` header (RFC 9110 §12.5.1): whether it admits the media type an answer is written in.
/// Graph answers 406 Not Acceptable to a request whose `Accept` admits none of the formats it writes
/// (its errors page: "This service doesn't support the format requested in the Accept header").
enum AcceptHeader {
    /// A media type an answer is written in.
    enum MediaType: Sendable {
        case json, plainText

        var type: String {
            switch self {
            case .json: "application"
            case .plainText: "text"
            }
        }
        var subtype: String {
            switch self {
            case .json: "json"
            case .plainText: "plain"
            }
        }
        var name: String { type + "/" + subtype }
    }

    /// Whether `header` (the request's `Accept` values, joined by commas) admits `mediaType`. The most
    /// specific of its ranges that match decides, the exact type over `type/*` over `*/*` (the highest
    /// weight among equally specific ones): admitted when its weight `q` is above 0. A range's other
    /// parameters (`odata.metadata=minimal`, `charset`) are not weighed. Elements that are not a media
    /// range, or whose weight is not a number, are passed over; a header of none admits everything,
    /// as one not sent does.
    static func admits(_ header: String, _ mediaType: MediaType) -> Bool {
        // Most requests send one of these (the Graph SDKs, curl, Python's requests).
        switch header {
        case "application/json": return mediaType == .json
        case "*/*", "": return true
        default: return deciding(header, mediaType).admits
        }
    }

    /// The JSON format `header` asks for: the parameters of the range that admits JSON, where it names
    /// `application/json` (`application/json;odata.metadata=none`); the standard one otherwise.
    static func jsonFormat(_ header: String) -> JSONFormat {
        switch header {
        case "application/json", "*/*", "": return .standard
        default:
            let decision = deciding(header, .json)
            return decision.admits ? JSONFormat(parameters: decision.parameters) : .standard
        }
    }

    /// The range of `header` that decides for `mediaType`, and whether it admits it.
    private static func deciding(_ header: String, _ mediaType: MediaType) -> (admits: Bool, parameters: [Substring]) {
        var best = (specificity: 0, weight: 0.0, parameters: [Substring]())
        var sawRange = false
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let range = parts.first.map({ HeaderValues.trimmed($0).lowercased() }),
                let slash = range.firstIndex(of: "/")
            else { continue }
            let type = range[..<slash]
            let subtype = range[range.index(after: slash)...]
            guard !type.isEmpty, !subtype.isEmpty, type != "*" || subtype == "*" else { continue }
            var weight = 1.0
            var valid = true
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, HeaderValues.trimmed(pair[0]).lowercased() == "q" else { continue }
                if let q = Double(HeaderValues.trimmed(pair[1])), q >= 0, q <= 1 { weight = q } else { valid = false }
            }
            guard valid else { continue }
            sawRange = true
            let specificity =
                type == mediaType.type && subtype == mediaType.subtype ? 3
                : type == mediaType.type && subtype == "*" ? 2
                : type == "*" ? 1 : 0
            if specificity > best.specificity || (specificity == best.specificity && weight > best.weight) {
                best = (specificity, weight, specificity == 3 ? Array(parts.dropFirst()) : [])
            }
        }
        guard sawRange else { return (true, []) }
        return (best.specificity > 0 && best.weight > 0, best.parameters)
    }

    /// The 406 for a request whose `Accept` admits no format of its answer.
    static func refusal(_ header: String, answeredIn mediaType: MediaType) -> ODataError {
        ODataError(
            .notAcceptable, code: "NotAcceptable",
            message: "The Accept header '\(header)' admits no format this resource is answered in: it is answered in \(mediaType.name).")
    }
}
