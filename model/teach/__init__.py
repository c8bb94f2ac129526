"""Teaching a CoAtNet the user's own classes: labelled images in, an ordinary checkpoint out.

``teach(base, labelled_from_folder("photos"), "mine.safetensors")``; see :mod:`model.teach.run`. The features it
reads from the base come from :mod:`model.features`.
"""

from model.teach.dataset import labelled_from_folder, labelled_from_pairs, labelled_from_table
from model.teach.run import teach
from model.teach.types import (
    LabelledSet,
    TeachError,
    TeachProgress,
    TeachResult,
    TeachSettings,
)

__all__ = [
    "LabelledSet",
    "TeachError",
    "TeachProgress",
    "TeachResult",
    "TeachSettings",
    "labelled_from_folder",
    "labelled_from_pairs",
    "labelled_from_table",
    "teach",
]
