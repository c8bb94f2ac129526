"""The Image tab: its session (state + jobs), image sources, what saving writes and the tab's layout."""
