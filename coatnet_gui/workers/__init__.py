"""The app's one worker facility (:mod:`~coatnet_gui.workers.facility`) and what its failures say
(:mod:`~coatnet_gui.workers.failures`)."""

from coatnet_gui.workers.facility import POOLS, Job, Workers
from coatnet_gui.workers.failures import failure_message, is_expected

__all__ = ["POOLS", "Job", "Workers", "failure_message", "is_expected"]
