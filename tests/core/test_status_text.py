"""The Batch tab's end-of-run line (Qt-free): the rate is that of the images labelled in this session, a
resumed run says how many of its images this session labelled, and a run with nothing left to do gives no rate."""

from __future__ import annotations

from coatnet_gui.batch.status_text import done_text
from model.batch.progress import BatchProgress


def test_a_fresh_run_says_its_count_time_and_rate():
    text = done_text(BatchProgress(total=3000, done=3000, failed=2, seconds=60.0))
    assert text == "Labelled 2,998 images, 2 failed, in 1:00 (50.0 images/s)."


def test_a_resumed_run_rates_only_this_sessions_images():
    text = done_text(BatchProgress(total=3000, done=3000, resumed=1592, seconds=27.0))
    assert text == "Labelled 3,000 images, 0 failed (1,408 in this session, in 0:27, 52.1 images/s)."
    assert "1089" not in text and "111.1" not in text  # not the total over this session's time


def test_a_reopened_finished_run_gives_no_rate():
    text = done_text(BatchProgress(total=3000, done=3000, resumed=3000, seconds=0.2))
    assert text == "Labelled 3,000 images, 0 failed (all in an earlier session)."
    assert "images/s" not in text


def test_a_cancelled_resume_says_so():
    text = done_text(BatchProgress(total=3000, done=2000, resumed=1000, seconds=10.0, cancelled=True))
    assert text.startswith("Cancelled after 2,000 images, 0 failed (1,000 in this session")
