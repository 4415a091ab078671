import WebUIAssets

/// Facts fixed at build time.
enum BuildInfo {
    /// The git commit the binary was built from, when the build could see the repository.
    static var commit: String? { EmbeddedAssetCatalog.buildCommit }
}
