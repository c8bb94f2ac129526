"""The window's widgets: each renders state and emits intents; none calls the model."""
