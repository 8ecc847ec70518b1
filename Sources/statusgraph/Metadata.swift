import ArgumentParser
import GraphModel
import ODataCore
import StatusGraphServer

/// `statusgraph metadata`: a version's CSDL (`GET /{version}/$metadata`) or OpenAPI description
/// (`GET /{version}/$openapi`), as the server answers them, without a server (for code generators and
/// OData or OpenAPI tooling in a build).
struct Metadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a version's CSDL ($metadata) or OpenAPI description ($openapi) on standard output, as the server answers it.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csdl, openapi
    }

    @Option(help: "The version: \(GraphModel.service.versionNames.joined(separator: " or ")).")
    var version = "v1.0"

    @Option(help: "csdl (the $metadata XML) or openapi (OpenAPI 3.0 JSON).")
    var format = Format.csdl

    @Option(name: .customLong("server-url"), help: "For openapi: the base URL clients reach the server at, without the version.")
    var serverURL = "http://localhost:8080"

    func validate() throws {
        guard GraphModel.service.versions[version] != nil else {
            throw ValidationError("--version must be \(GraphModel.service.versionNames.joined(separator: " or "))")
        }
    }

    func run() throws {
        let model = GraphModel.service.versions[version]!
        switch format {
        case .csdl: print(model.csdl(), terminator: "")
        case .openapi:
            let document = OpenAPIDocument(service: GraphModel.service, model: model, limits: ServiceLimits().query)
            print(document.text(serverURL: serverURL))
        }
    }
}
