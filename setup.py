"""The package list, which pyproject.toml cannot express: the code found under model/ and coatnet_gui/, plus the
data package ``coatnet_lens_assets`` that pyproject.toml's ``package-dir`` maps onto the top-level assets/ folder
(``packages.find`` only finds folders by their own names). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["model", "model.*", "coatnet_gui", "coatnet_gui.*"]), "coatnet_lens_assets"])
