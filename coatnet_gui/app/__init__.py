"""The application shell: start-up, the main window, settings, self-test, process-wide guards."""
