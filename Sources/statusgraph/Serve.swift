import ArgumentParser
import Foundation
import ServiceLifecycle
import GraphModel
import Hummingbird
import Logging
import StatusGraphServer
import Storage
import StorageSQLite

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server: on an embedded SQLite file by default, on PostgreSQL with --database.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: "Directory for the SQLite database, the token signing key and other state (default: ./.statusgraph).")
    var dataDirectoryOption: String?

    @Flag(name: .customLong("in-memory"), help: ArgumentHelp(
        "Keep everything in memory, for test suites: SQLite in a fresh directory on /dev/shm, removed when the server stops.",
        discussion: "Nothing is kept from one run to the next (tokens minted against another data directory do not verify); a later start removes what a killed server left."))
    var inMemory = false

    @Option(name: .customLong("public-url"), help: "Base URL clients reach the server at (default: from the Host header).")
    var publicURL: String?

    @Option(name: .customLong("page-size"), help: "Members per page of a collection.")
    var pageSize = 1000

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 4 * 1024 * 1024

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send nothing (between requests, or stalled within one) before it is closed.")
    var idleTimeout = 120.0

    @Flag(inversion: .prefixedNo, help: "Compress answers of 1 KiB or more (gzip or deflate) for clients whose Accept-Encoding asks for it, as Graph does.")
    var compressResponses = true

    @Option(help: ArgumentHelp(
        "Throttle as Graph does: 'intune' (Intune's documented limits) or limits such as 'app-writes=5/10s,tenant=100/1s'.",
        discussion: "Past a limit a request gets 429 TooManyRequests with Retry-After. Limits: tenant, app (per calling application), tenant-writes, app-writes."))
    var throttle: String?

    @Flag(name: .customLong("allow-reset"), help: "Serve POST /_statusgraph/reset, which removes everything of the caller's tenant (for test suites; never on a store you keep).")
    var allowReset = false

    @Flag(name: .customLong("allow-faults"), help: ArgumentHelp(
        "Serve /_statusgraph/faults, where a test sets the delays and transient errors (429, 500, 502, 503, 504) its tenant's requests meet.",
        discussion: "For testing clients' retries; never on a store you serve from."))
    var allowFaults = false

    @Flag(help: "Serve GET /metrics: Prometheus metrics of the requests this instance answered and of its process (no token needed, as for /health).")
    var metrics = false

    @OptionGroup var identity: IdentityOptions

    @OptionGroup var storage: StorageOptions

    @Option(help: "'auto' serves HTTPS with a certificate for localhost signed by a CA kept in the data directory.")
    var tls: String?

    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this PEM certificate chain (with --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        // Upper bounds too: each value is kept in 64 bits or added to (a page's limit is one more row).
        guard (1...100_000).contains(pageSize) else { throw ValidationError("--page-size must be between 1 and 100000 (the largest $top)") }
        guard (1024...(1 << 30)).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be between 1024 and 1073741824 (1 GiB)") }
        guard idleTimeout > 0, idleTimeout <= StorageOptions.longestTimeout else {
            throw ValidationError("--idle-timeout must be more than 0 and at most \(Int(StorageOptions.longestTimeout)) seconds")
        }
        if inMemory {
            guard dataDirectoryOption == nil else { throw ValidationError("--in-memory makes its own data directory: give it or --data-dir, not both") }
            guard storage.database == nil else { throw ValidationError("--in-memory keeps the store in SQLite: give it or --database, not both") }
        }
        guard tls == nil || tls == "auto" else { throw ValidationError("--tls takes 'auto'; give --tls-cert and --tls-key for your own certificate") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard tls == nil || tlsCertificate == nil else { throw ValidationError("give --tls auto or --tls-cert/--tls-key, not both") }
        if let throttle {
            do { _ = try ThrottlePolicy(parsing: throttle) } catch { throw ValidationError("--throttle: \(error)") }
        }
    }

    func run() async throws {
        let memory = inMemory ? try InMemoryDirectory.make() : nil
        defer { memory?.remove() }
        let dataDirectory = memory?.path ?? dataDirectoryOption ?? "./.statusgraph"
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.dataDirectory = dataDirectory
        config.publicBaseURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        config.limits.pageSize = pageSize
        config.limits.maxBodyBytes = maxBodyBytes
        config.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        config.compressResponses = compressResponses
        config.allowReset = allowReset
        config.allowFaults = allowFaults
        config.metrics = metrics
        config.limits.throttle = try throttle.map { try ThrottlePolicy(parsing: $0) }
        let secret = try TokenIssuer.secret(dataDirectory: dataDirectory)
        config.identity = try identity.configuration(secret: secret)
        var trustHint = ""
        if let tlsCertificate, let tlsKey {
            config.tls = TLSSettings(certificatePath: tlsCertificate, keyPath: tlsKey)
        } else if tls == "auto" {
            let authority = LocalCertificateAuthority(dataDirectory: dataDirectory)
            let (certificate, key) = try authority.prepare()
            config.tls = TLSSettings(certificatePath: certificate, keyPath: key)
            trustHint = "TLS certificate for localhost signed by the CA \(authority.caCertificatePath): trust it with "
                + "curl --cacert \(authority.caCertificatePath), or REQUESTS_CA_BUNDLE / SSL_CERT_FILE for Python clients.\n"
        }
        var logger = Logger(label: "statusgraph") { ConsoleLogHandler(label: $0, metadataProvider: RequestLogging.metadataProvider) }
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        if let policy = config.limits.throttle { logger.info("throttling as Graph does: \(policy)") }
        let openFiles = FileDescriptorLimit.raise()
        logger.debug("open files limit: \(openFiles)")
        let service = GraphModel.service
        let backend = try storage.open(dataDirectory: dataDirectory, logger: logger)
        let store = backend.store
        // A ready-to-use token for the default tenant, kept in the data directory too.
        let token = try await TokenIssuer(secret: secret).token(
            scopes: ["DeviceManagementApps.ReadWrite.All"], expiresIn: 30 * 24 * 3600)
        let tokenFile = (dataDirectory as NSString).appendingPathComponent("dev-token")
        let tokenKept = FileManager.default.createFile(
            atPath: tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        if !tokenKept { logger.warning("could not write the development token to \(tokenFile); it is printed below only") }
        let tokenWhere = tokenKept ? ", also in \(tokenFile)" : ""
        let tokenShell = tokenKept ? "$(cat \(tokenFile))" : token
        let host = self.host
        let hint = trustHint
        let scheme = config.tls == nil ? "http" : "https"
        let where_ = memory.map { "SQLite in \($0.isMemory ? "memory" : "a temporary directory"), \($0.path), removed when the server stops" }
            ?? backend.description
        // A SQLite file is the server's alone while it runs: the operator's tools reach it through the server.
        var services = backend.services
        var adminSocket: String?
        if storage.database == nil {
            if let path = AdminSocket.path(dataDirectory: dataDirectory) {
                services.append(AdminSocket.service(path: path, store: store, idleTimeout: config.idleTimeout, logger: logger))
                adminSocket = path
            } else {
                logger.warning(
                    "the data directory's path is too long for a Unix socket (\(AdminSocket.maxPathBytes) bytes): without \(AdminSocket.fileName), `statusgraph export` cannot read this store while the server runs")
            }
        }
        let app = try await buildApplication(
            configuration: config, service: service, store: store, logger: logger, services: services
        ) { port in
            let url = "\(scheme)://\(host == "127.0.0.1" && scheme == "https" ? "localhost" : host):\(port)"
            let banner = hint + """
                StatusGraph listening on \(url) (\(where_))
                Development token (tenant \(TokenIssuer.developmentTenant), DeviceManagementApps.ReadWrite.All, 30 days)\(tokenWhere):
                \(token)
                Try: curl\(scheme == "https" ? " --cacert \(LocalCertificateAuthority(dataDirectory: dataDirectory).caCertificatePath)" : "") -H "Authorization: Bearer \(tokenShell)" \(url)/beta/deviceAppManagement

                """
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
        // SIGTERM/SIGINT stop the server gracefully (in-flight requests finish), within bounds: a shutdown
        // that is still waiting after 10 s is escalated to cancellation, and after 5 s more the process
        // exits regardless (every acknowledged write is durable already).
        var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(10)
        group.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch let error as StorageError {
            // Most often: the database could not be reached at start (the message names it, password hidden).
            throw StartupError(error.message)
        } catch let error as ServiceGroupError {
            logger.warning("shutdown did not complete in time (\(error)); exiting")
            return
        }
        try await store.close()
        // The socket goes with the server (a file of another kind there is not ours).
        var status = stat()
        if let adminSocket, lstat(adminSocket, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK { unlink(adminSocket) }
    }
}

/// How bearer tokens are checked; shared by `serve`.
struct IdentityOptions: ParsableArguments {
    @Option(name: .customLong("jwks-file"), help: "A JSON Web Key Set file whose RS256/ES256 keys sign accepted tokens.")
    var jwksFile: String?

    @Option(name: .customLong("jwks-url"), help: "An https URL of a JSON Web Key Set (e.g. Entra ID's), refreshed hourly and on unknown key ids.")
    var jwksURL: String?

    @Option(name: .customLong("audience"), help: "An accepted `aud` (repeatable; default: Graph's).")
    var audiences: [String] = []

    @Option(name: .customLong("issuer"), help: "An accepted `iss`; {tenantid} stands for the token's tenant (repeatable; default: Microsoft identity platform v1 and v2).")
    var issuers: [String] = []

    @Option(name: .customLong("unlicensed-tenant"), help: "A tenant with no Intune licence: its requests get 403 (repeatable).")
    var unlicensedTenants: [String] = []

    func configuration(secret: [UInt8]) throws -> IdentityConfiguration {
        var c = IdentityConfiguration()
        c.hmacSecret = secret
        c.jwksFile = jwksFile
        c.jwksURL = jwksURL
        if !audiences.isEmpty { c.audiences = audiences }
        if !issuers.isEmpty { c.issuers = issuers }
        c.unlicensedTenants = Set(unlicensedTenants.map { $0.lowercased() })
        return c
    }
}
