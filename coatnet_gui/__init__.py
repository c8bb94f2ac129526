"""CoAtNet Lens desktop app (PySide6). The network and everything it computes live in `model`."""
