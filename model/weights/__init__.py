"""Weights: the public checkpoint table, label sets, checkpoint files, hub download, load_model."""
