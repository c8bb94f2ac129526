"""The Audit tab: likely wrong labels with a suggestion and a one-click fix, with undo
(:mod:`coatnet_gui.audit.tab`)."""
