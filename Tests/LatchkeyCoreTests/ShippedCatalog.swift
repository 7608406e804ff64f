import Foundation
@testable import LatchkeyCore

/// The shipped catalog (`providers/`), loaded once per test process under the strict rules. It has 800 files: a
/// load costs a second or more of CPU in a debug build, and swift-testing makes a new suite instance for every
/// case of a parameterized test, so suites that loaded it in `init` saturated the machine for tens of seconds.
enum ShippedCatalog {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("providers").path
    private static let loaded = Result { () throws(CatalogError) -> Catalog in try CatalogLoader.load([CatalogSource(directory: directory, strict: true)]) }

    /// The catalog, or the problems that keep it from loading.
    static func load() throws -> Catalog { try loaded.get() }
}
