"""From image files to predictions and explanations: the one path the GUI, the CLI and the batch labeller share.

    clf = Classifier(load_model("bundled"))
    [pred] = clf.classify_files(["shoe.png"])        # Prediction(labels=[...], probs=[...], ...)
    exp = clf.explain(load_image("shoe.png"))        # everything the overlays need, from one forward pass

Device and precision come from :mod:`model.runtime.device`; every result names the ones used. The network's compute
and placement belong to its :class:`~model.runtime.owner.NetworkOwner`: every pass here holds it (plain forward
passes together, captures and backward passes alone), so the Image tab, the Batch tab and scripts can share one
``Classifier`` (or several on one network) from any threads.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from PIL import Image

from model.choices import TOP_K
from model.data.transform import normalize, preprocess
from model.explain.capture import BlockInfo, Captured, capture, list_blocks
from model.explain.introspect import grad_cam
from model.runtime.device import choose_placement
from model.runtime.owner import NetworkOwner, owner_of
from model.runtime.placement import Placement
from model.runtime.predictor import Prediction, Predictor
from model.runtime.threads import limit_this_thread
from model.weights.loading import LoadedModel


class Classifier(Predictor):
    """A loaded model placed on a device, ready to classify images.

    ``device`` is auto/cuda/mps/cpu, ``precision`` auto/fp32/bf16/fp16 (see :mod:`model.runtime.device`).
    ``placement`` says what was chosen; its ``note`` says why when it differs from what was asked. A new
    ``Classifier`` on a network that another one runs moves it for both, once no pass is in flight.
    Every method is safe to call from several threads at once.
    """

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto"):
        self.net = loaded.net.eval()
        self.info = loaded.info
        self.owner: NetworkOwner = owner_of(self.net)
        self.owner.place(choose_placement(device, precision))

    @property
    def placement(self) -> Placement:
        """Where and in what precision the network runs now (the owner's; changes after an out-of-memory)."""
        return self.owner.placement

    @property
    def cpu_threads(self) -> int:
        """torch's thread count (the batch labeller splits it between its model lanes)."""
        return torch.get_num_threads()

    def limit_lane_thread(self, count: int) -> None:
        """Limit the calling thread's torch operations to ``count`` threads
        (:func:`~model.runtime.threads.limit_this_thread`; torch's process-wide count is left alone)."""
        limit_this_thread(count)

    def model_input(self, pixels: np.ndarray) -> torch.Tensor:
        """Return the normalised float32 tensor ``(B, 3, H, W)`` for uint8 pixels ``(B, C, H, W)``, channels_last
        where the placement runs so (cheaper to lay out on uint8 than on the float input; normalising keeps the
        layout)."""
        batch = torch.from_numpy(pixels)
        if self.placement.channels_last:
            batch = batch.expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)
        return normalize(batch, self.preprocess_cfg)

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed batch
        ``(B, 3, H, W)``. A GPU that runs out of memory moves the model to the CPU (once the passes in flight
        have ended, for every user of the network) and retries."""
        fell_back = False
        while True:
            with self.owner.shared() as placement:
                try:
                    with torch.inference_mode(), placement.autocast():
                        logits = self.net(placement.to_input(batch))
                    return logits.float().softmax(-1).cpu()
                except torch.OutOfMemoryError:
                    if fell_back:  # out of memory on the CPU too
                        raise
            self.owner.fall_back(placement, f"{placement.device} ran out of memory")  # outside the shared hold
            fell_back = True

    def explain(
        self,
        image: Image.Image,
        *,
        attention: str | list[str] = "all",
        activations: str | list[str] = "all",
        gradients: bool = True,
        fast: bool = False,
    ) -> Explanation:
        """Run one fp32 forward pass on ``image`` capturing every block's attention and activations,
        keeping the graph so Grad-CAM for any class costs one backward pass, not another forward. Holds the
        network alone meanwhile. ``attention``, ``activations`` (block names, "all" or ``[]``) and ``gradients``
        capture less: what one map needs (the Live tab, frame after frame; :func:`model.live.maps.map_needs`);
        without ``gradients`` the pass builds no graph. ``fast``: the pass (and a Grad-CAM backward pass) runs in
        the placement's precision, bf16 where the device runs bf16, as ``label --maps`` does: maps for a live
        view; the Image tab keeps fp32."""
        pixels = preprocess(image, self.preprocess_cfg)[None]
        with self.owner.exclusive() as placement:
            generation = self.owner.generation
            start = time.perf_counter()
            grad_mode = contextlib.nullcontext() if gradients else torch.no_grad()
            precision = placement.autocast() if fast else contextlib.nullcontext()
            with grad_mode, precision, capture(self.net, attention, activations, gradients) as captured:
                logits = self.net(placement.to_input(pixels))
            seconds = time.perf_counter() - start
        probs = logits.detach().float().softmax(-1)[0].cpu()
        used = placement.precision if fast else "fp32"  # without ``fast`` the pass runs without autocast
        prediction = replace(self.top_k(probs, TOP_K), precision=used)
        blocks = list_blocks(self.net)
        return Explanation(image, captured, probs, blocks, seconds, prediction, self.owner, generation)


@dataclass
class Explanation:
    """Everything the overlays of one image need: the ``image`` (RGB), what :func:`capture` recorded,
    class ``probs`` ``(classes,)``, the ``blocks`` that can be shown, the forward pass ``seconds`` and
    the top-:data:`TOP_K` ``prediction`` of this fp32 pass (labelled fp32: it can differ in the last digit from a
    prediction in the placement's precision). Maps are on each block's grid and cover the model's input view.
    ``owner`` and ``generation``: the network's owner and its placement's generation when the pass ran (a
    backward pass holds the network alone and needs it where it was)."""

    image: Image.Image
    captured: Captured
    probs: torch.Tensor
    blocks: list[BlockInfo]
    seconds: float
    prediction: Prediction
    owner: NetworkOwner | None = field(default=None, repr=False)
    generation: int = 0
    _gradients: dict[tuple[int, int | None], dict[str, torch.Tensor]] = field(default_factory=dict, repr=False)

    def grad_cam(self, class_index: int, block_name: str, versus: int | None = None) -> torch.Tensor:
        """Return the Grad-CAM map ``(h, w)`` in [0, 1] of ``class_index`` at ``block_name``'s output; with
        ``versus``, the contrastive map of logit[class_index] − logit[versus]: the regions that favour
        ``class_index`` over ``versus``. Raises RuntimeError when the network has moved to another device
        since the pass (after an out-of-memory): explain the image again."""
        key = (class_index, versus)
        if key not in self._gradients:
            self._gradients[key] = self._class_gradients(class_index, versus)
        return grad_cam(self.captured.activations[block_name], self._gradients[key][block_name])

    def _class_gradients(self, class_index: int, versus: int | None) -> dict[str, torch.Tensor]:
        if self.owner is None:
            return self.captured.class_gradients(class_index, versus)
        with self.owner.exclusive():
            if self.owner.generation != self.generation:
                raise RuntimeError("the model moved to another device since this image was explained; explain it again")
            return self.captured.class_gradients(class_index, versus)
