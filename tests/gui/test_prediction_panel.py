"""The top-5 bars (coatnet_gui/widgets/prediction_panel.py) as the Live tab drives them, 30 predictions a second: a
bar whose class and shown percentage stay the same is not repainted; one that changes shows the new value."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from coatnet_gui.widgets.prediction_panel import PredictionPanel
from model.runtime.predictor import Prediction


class PaintCounter(QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def prediction(probs: list[float], labels: tuple[str, ...] = ("cat", "dog", "fox")) -> Prediction:
    return Prediction("frame", list(labels), [0, 1, 2], probs, "m", "cpu", "fp32")


def test_bars_repaint_only_when_what_they_show_changes(qtbot):
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 200)
    panel.show()
    panel.set_prediction(prediction([0.9, 0.07, 0.03]))
    qtbot.wait(50)
    counter = PaintCounter()
    for bar in panel.bars[:3]:
        bar.installEventFilter(counter)
    panel.set_prediction(prediction([0.90004, 0.07001, 0.02995]))  # "90.0%", "7.0%", "3.0%" again
    qtbot.wait(50)
    assert counter.paints == 0 and panel.bars[0].probability == 0.90004  # kept, not drawn
    assert panel.bars[0].accessibleName() == "cat, 90.0 percent"
    panel.set_prediction(prediction([0.8, 0.17, 0.03]))
    qtbot.waitUntil(lambda: counter.paints >= 2)
    assert [bar.accessibleName() for bar in panel.bars[:2]] == ["cat, 80.0 percent", "dog, 17.0 percent"]
    panel.set_prediction(prediction([0.8, 0.17, 0.03], labels=("cat", "owl", "fox")))  # another class, same value
    assert panel.bars[1].label == "owl" and panel.bars[1].accessibleName() == "owl, 17.0 percent"
