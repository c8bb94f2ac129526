"""Features of a frozen base network, computed once per image and kept on disk: teaching reads them, and so can
label audits and similar-image search.

    store = FeatureStore.for_base(net, preprocess)             # the cache folder of this base
    digests = [file_digest(p) for p in paths]                  # the cache's key of each image: its content
    got = extract(net, placement, preprocess, paths, digests, store, cancel=token)
    got.features["final"]                                      # (len(got.kept), width) float32

Modules: :mod:`~model.features.choice` (the candidates and their names: "final", "stage2", ...),
:mod:`~model.features.taps` (forward hooks that read every candidate in one pass), :mod:`~model.features.cache`
(the store keyed by file content and base), :mod:`~model.features.extract` (cache first, then batched passes).
"""

from model.features.cache import FeatureStore, base_key, default_cache_dir, file_digest
from model.features.choice import (
    AUTO,
    FeatureChoice,
    candidates,
    feature_widths,
    final_choice,
    is_feature_name,
    named_choice,
)
from model.features.extract import Extracted, extract
from model.features.taps import FeatureTaps
from model.paths import CACHE_ENV

__all__ = [
    "AUTO",
    "CACHE_ENV",
    "Extracted",
    "FeatureChoice",
    "FeatureStore",
    "FeatureTaps",
    "base_key",
    "candidates",
    "default_cache_dir",
    "extract",
    "feature_widths",
    "file_digest",
    "final_choice",
    "is_feature_name",
    "named_choice",
]
