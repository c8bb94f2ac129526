"""Teaching a CoAtNet the user's own classes: labelled images in, an ordinary checkpoint out.

``teach(base, labelled_from_folder("photos"), "mine.safetensors")``; see :mod:`model.teach.teach`.
"""

from model.teach.dataset import labelled_from_folder, labelled_from_pairs, labelled_from_table
from model.teach.teach import teach
from model.teach.types import (
    LabelledSet,
    TeachCancelled,
    TeachError,
    TeachProgress,
    TeachResult,
    TeachSettings,
)

__all__ = [
    "LabelledSet",
    "TeachCancelled",
    "TeachError",
    "TeachProgress",
    "TeachResult",
    "TeachSettings",
    "labelled_from_folder",
    "labelled_from_pairs",
    "labelled_from_table",
    "teach",
]
