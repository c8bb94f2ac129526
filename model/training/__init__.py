"""Training and evaluating the bundled model on Fashion-MNIST (not shipped in the bundle)."""
