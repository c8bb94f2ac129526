"""Qt-free logic of the window's Live tab: frame statistics, smoothing, the overlay rate plan, captures and the
per-frame timeline of a video file (rows and their export)."""
