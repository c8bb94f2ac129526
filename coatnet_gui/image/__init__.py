"""The Image tab: its session (state + jobs), image sources and the tab's layout."""
