import Yams

extension ManifestRules {
    /// `model.features: scatter` and its `linear` head, and `privacy.ema_decay`: the
    /// combinations that have a meaning in this build.
    func checkFeatures(_ m: JobManifest, root: Node, _ report: (String, String) -> Void) {
        let model = m.model, p = m.privacy
        switch (model.features, model.architecture) {
        case (.scatter, .linear), (.scatter, .cnn), (.pixels, .mlp), (.pixels, .cnn): break
        case (.scatter, let arch):
            report("model.architecture", "features: scatter is built for the linear head and the cnn head (group norm first, "
                   + "Tramèr & Boneh 2021); the \(arch.rawValue) takes 28×28 pixels — use architecture: linear or cnn, or features: pixels")
        case (.pixels, .linear):
            report("model.architecture", "the linear head is defined on scattering features; add model.features: scatter")
        }
        if model.architecture == .linear && isPresent("model.activation", root) {
            report("model.activation", "the linear head has no activation; activation applies to the cnn only")
        }
        if p.emaDecay != nil && !(p.differentialPrivacy && p.unit == .example) {
            report("privacy.ema_decay", "averages the iterates of DP-SGD; it needs differential_privacy: true with unit: example")
        }
        if p.augmentationMultiplicity != nil {
            if !(p.differentialPrivacy && p.unit == .example) {
                report("privacy.augmentation_multiplicity", "averages each example's augmented copies before DP-SGD clips it; "
                       + "it needs differential_privacy: true with unit: example")
            } else if model.features != .pixels {
                report("privacy.augmentation_multiplicity", "shifts 28×28 images, and scattering features are computed once per "
                       + "image before training; use features: pixels (the cnn or mlp), or drop augmentation_multiplicity")
            }
        }
    }
}
