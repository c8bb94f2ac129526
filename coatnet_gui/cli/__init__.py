"""Headless commands (classify, label, undo-sort); imports no Qt."""
