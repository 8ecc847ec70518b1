import ArgumentParser
import GraphModel

/// `statusgraph metadata`: a version's CSDL, as `GET /{version}/$metadata` answers it, without a server
/// (for code generators and OData tooling in a build).
struct Metadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a version's CSDL ($metadata) on standard output, as the server answers it.")

    @Option(help: "The version: \(GraphModel.service.versionNames.joined(separator: " or ")).")
    var version = "v1.0"

    func validate() throws {
        guard GraphModel.service.versions[version] != nil else {
            throw ValidationError("--version must be \(GraphModel.service.versionNames.joined(separator: " or "))")
        }
    }

    func run() throws {
        print(GraphModel.service.versions[version]!.csdl(), terminator: "")
    }
}
