"""The Batch tab: its run worker, the results table, the sort dialog and the view."""
