/// The shipped manifests that `POST /api/training/start` runs for the seed's `{"privacy": KIND}`
/// bodies. Change the table to point a kind at another manifest in `privfed serve --manifests DIR`.
public enum TrainingPresets {
    public static let manifests: [(privacy: String, file: String)] = [
        ("differential", "mnist-dp-federated.yaml"),  // DP-SGD in each of 10 clients, ε = 3
        ("homomorphic", "mnist-ckks.yaml"),           // CKKS-encrypted FedAvg, threshold decryption
        ("mpc", "mnist-secagg.yaml"),                 // SecAgg pairwise masks with dropouts
        ("combined", "mnist-dp-ckks.yaml"),           // client DP under CKKS
    ]

    /// The manifest file for `privacy`, if it is one of the kinds.
    public static func file(for privacy: String) -> String? {
        manifests.first { $0.privacy == privacy }?.file
    }

    public static var kinds: [String] { manifests.map(\.privacy) }
}
