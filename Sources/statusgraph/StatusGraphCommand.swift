import ArgumentParser

@main
struct StatusGraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statusgraph",
        abstract: "A Microsoft Graph-compatible server for Intune app install and app configuration status.",
        subcommands: [Serve.self, Token.self, Migrate.self, Export.self, Import.self, Backup.self, Restore.self, Metadata.self],
        defaultSubcommand: Serve.self)
}
