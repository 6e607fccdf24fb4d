/// The SHA-256 of each MNIST file as published with the dataset (datasets/mnist/README.md).
/// Compiled in, so an audit does not trust a SHA256SUMS file that could have been edited together
/// with a replaced dataset file.
enum PublishedChecksums {
    static let mnist: [String: String] = [
        "train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
        "train-labels-idx1-ubyte.gz": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
        "t10k-images-idx3-ubyte.gz": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
        "t10k-labels-idx1-ubyte.gz": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
    ]
}
