"""Teaching in the window: the Teach dialog (:mod:`~coatnet_gui.teach.dialog`), its live loss and accuracy chart
(:mod:`~coatnet_gui.teach.chart`) and the controller that runs :func:`model.teach.teach` off the GUI thread
(:mod:`~coatnet_gui.teach.controller`)."""
