import ArgumentParser
import Foundation
import StatusGraphServer

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token signed with a data directory's key, alone on standard output.",
        discussion: "TOKEN=$(statusgraph token --scopes DeviceManagementApps.Read.All)")

    @Option(name: .customLong("data-dir"), help: "The server's data directory (its key signs the token).")
    var dataDirectory = "./.statusgraph"

    @Option(help: "The tenant id (tid).")
    var tenant = TokenIssuer.developmentTenant

    @Option(help: "Delegated permissions (scp), comma separated.")
    var scopes: String?

    @Option(help: "Application permissions (roles), comma separated.")
    var roles: String?

    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds.")
    var expiresIn = 3600

    @Option(help: "The user principal name (upn) of a delegated token.")
    var user: String?

    @Option(help: "The calling application's id (appid), which throttling counts by.")
    var app = TokenIssuer.developmentApplication

    func validate() throws {
        guard scopes == nil || roles == nil else { throw ValidationError("give --scopes (delegated) or --roles (application), not both") }
        guard expiresIn > 0 else { throw ValidationError("--expires-in must be positive") }
    }

    func run() async throws {
        let secret = try TokenIssuer.secret(dataDirectory: dataDirectory)
        func list(_ s: String?) -> [String] { (s ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let scopes = roles == nil && scopes == nil ? ["DeviceManagementApps.ReadWrite.All"] : list(scopes)
        let token = try await TokenIssuer(secret: secret).token(
            tenant: tenant.lowercased(), scopes: scopes, roles: list(roles), user: user, expiresIn: TimeInterval(expiresIn), application: app)
        print(token)
    }
}
