"""Image files to model input: decoding to RGB and the checkpoint's eval transform."""
