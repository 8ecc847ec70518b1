import Foundation
import ODataModel

/// The Microsoft Graph `deviceAppManagement` model for `v1.0` and `beta`, built from the data file
/// `Resources/graph-model.json` (made by `tools/build-graph-model.py`), compiled into the binary.
public enum GraphModel {
    /// The service model; loaded once, on first use.
    public static let service: ServiceModel = {
        do {
            return try ServiceModel(jsonData: Data(PackageResources.graph_model_json))
        } catch {
            // The data file ships inside the binary and a test loads it: this cannot fail in a build that passed.
            fatalError("the built-in Graph model is invalid: \(error)")
        }
    }()
}
