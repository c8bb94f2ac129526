"""Labelling folders: scan, decode in parallel, classify, journal, export, sort into class folders."""
