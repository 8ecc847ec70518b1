import Logging
import ServiceLifecycle
import Storage

/// Runs a store's background purges beside the server (`BackgroundPurgeStore.runPurges`), until it stops.
struct PurgeService: Service {
    let store: BackgroundPurgeStore
    let logger: Logger

    func run() async throws {
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            await store.runPurges { error in
                logger.warning("a background purge step failed; it is tried again in a second", metadata: ["error": "\(error)"])
            }
        }
    }
}
