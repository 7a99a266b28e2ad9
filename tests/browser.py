"""Debian's headless Chromium driven by Selenium, for the tests that look at pages.

Debian's chromium and chromium-driver are installed by `make test` when missing; without them
these tests fail (they never skip). Screenshots go to build/ to be looked at.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.live import ROOT

__all__ = ["SHOTS", "chromium"]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = ROOT / "build"
# Flags that keep a headless Chromium quiet on a closed network: no background fetches at all.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
)


@contextmanager
def chromium(*extra: str) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with a profile of its own, quit and removed afterwards."""
    for program in (CHROMIUM, CHROMEDRIVER):
        assert Path(program).is_file(), f"{program} is missing: `make test` installs chromium and chromium-driver"
    SHOTS.mkdir(exist_ok=True)
    profile = tempfile.mkdtemp(prefix="distance-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, *extra, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
