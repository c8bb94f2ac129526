"""CoAtNet Lens core: the network, its weights, preprocessing, introspection and inference. No Qt here.

    from model import create_model, list_configs, load_model, Classifier, capture, label_folder
    from model import faithfulness, head_stats, teach, CancelToken, Cancelled

The names below are imported on first use, so ``import model`` itself loads neither torch nor anything else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model.batch.pipeline import label_folder
    from model.cancel import Cancelled, CancelToken
    from model.explain.capture import capture
    from model.explain.faithfulness import faithfulness
    from model.explain.head_stats import head_stats
    from model.net.coatnet import create_model
    from model.net.config import CoAtNetCfg, list_configs
    from model.runtime.inference import Classifier
    from model.teach import teach
    from model.weights.loading import load_model

_HOMES = {
    "create_model": "model.net.coatnet",
    "list_configs": "model.net.config",
    "CoAtNetCfg": "model.net.config",
    "load_model": "model.weights.loading",
    "Classifier": "model.runtime.inference",
    "capture": "model.explain.capture",
    "label_folder": "model.batch.pipeline",
    "faithfulness": "model.explain.faithfulness",
    "head_stats": "model.explain.head_stats",
    "teach": "model.teach",
    "CancelToken": "model.cancel",
    "Cancelled": "model.cancel",
}

__all__ = [
    "CancelToken",
    "Cancelled",
    "Classifier",
    "CoAtNetCfg",
    "capture",
    "create_model",
    "faithfulness",
    "head_stats",
    "label_folder",
    "list_configs",
    "load_model",
    "teach",
]


def __getattr__(name: str) -> Any:
    """Return the public name ``name`` from the module it lives in (imported on first use)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_HOMES))
