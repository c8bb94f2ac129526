"""The app's data, installed as the package ``coatnet_lens_assets``: the bundled model, class names, icons, samples.

``pyproject.toml`` maps this folder to that package name (``package-dir``), so a wheel, an sdist and an editable
install all carry it; ``model.resources`` finds it with ``importlib.resources``. No code lives here.
"""
