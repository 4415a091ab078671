"""Browser fixtures for the dashboard end-to-end tests (headless Chromium through Selenium)."""
import os
import pathlib
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

# Selenium Manager must not phone home or download drivers: the system chromium/chromedriver are used.
os.environ.setdefault("SE_AVOID_STATS", "true")

BASE_URL = os.environ.get("CRACKTRADER_URL", "http://127.0.0.1:8080").rstrip("/")
ARTIFACTS = pathlib.Path(os.environ.get("CRACKTRADER_ARTIFACTS", "artifacts"))


def _find(env, *names):
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def base_url():
    return BASE_URL


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def driver():
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=en-US", "--window-size=1440,900", "--disable-extensions", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = _find("CHROME_BIN", "chromium", "chromium-browser", "google-chrome")
    if binary:
        options.binary_location = binary
    driver_path = _find("CHROMEDRIVER", "chromedriver")
    service = Service(executable_path=driver_path) if driver_path else Service()
    drv = webdriver.Chrome(options=options, service=service)
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    yield drv
    drv.quit()
