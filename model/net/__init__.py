"""The CoAtNet network: config dataclasses, layers, relative position bias, blocks, the model."""
