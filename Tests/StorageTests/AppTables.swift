import Storage

/// The tables of the apps and their statuses, as the storage suites name them.
protocol AppTables {
    var layout: StorageLayout { get }
}

extension AppTables {
    var apps: StorageTable { layout.table(path: ["mobileApps"])! }
    var userStatuses: StorageTable { layout.table(path: ["mobileApps", "userStatuses"])! }
    var deviceStatuses: StorageTable { layout.table(path: ["mobileApps", "userStatuses", "deviceStatuses"])! }
    var appDeviceStatuses: StorageTable { layout.table(path: ["mobileApps", "deviceStatuses"])! }
}
