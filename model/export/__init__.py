"""Exporting a model to run elsewhere: ``onnx_export.py`` (``export_onnx``: one ONNX file, checked, written
atomically) and ``metadata.py`` (the class names and preprocessing that travel with it)."""
