"""Sign-in in a real browser against a server started with a token (issue 12, item 4).

The other e2e tests run against a server without a token; this module starts its own binary
(`CRACKTRADER_BINARY`, set by run.sh) with `--auth-token` on 127.0.0.1, so it can also restart it:
a restart ends every session, which is how a running dashboard meets a 401.
"""
import os
import pathlib
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BINARY = os.environ.get("CRACKTRADER_BINARY")
TOKEN = "e2e-token-0123456789abcdef"

pytestmark = pytest.mark.skipif(not BINARY, reason="CRACKTRADER_BINARY is not set (Tests/e2e/run.sh sets it)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TokenServer:
    """One `cracktrader serve --auth-token` process; `restart()` keeps the port and data."""

    def __init__(self):
        self.port = free_port()
        self.work = tempfile.TemporaryDirectory()
        self.process = None
        self.login_url = None

    def start(self):
        log = pathlib.Path(self.work.name) / f"server-{time.time_ns()}.log"
        self.log = log
        self.process = subprocess.Popen(
            [BINARY, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--offline",
             "--data-dir", os.path.join(self.work.name, "data"), "--auth-token", TOKEN,
             "--log-level", "warning"],
            stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = re.search(r"Sign in \(the link works once\): (http://\S+)", log.read_text(errors="replace"))
            if found:
                self.login_url = found.group(1)
                return
            assert self.process.poll() is None, log.read_text(errors="replace")
            time.sleep(0.1)
        raise AssertionError("the server printed no login URL: " + log.read_text(errors="replace"))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def server():
    instance = TokenServer()
    instance.start()
    yield instance
    instance.stop()
    instance.work.cleanup()


def wait(driver, timeout=20):
    return WebDriverWait(driver, timeout, poll_frequency=0.2)


def severe(driver):
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def test_1_api_and_ui_need_the_token(server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.base + "/api/v1/status", timeout=5)
    assert refused.value.code == 401
    request = urllib.request.Request(server.base + "/api/v1/status", headers={"Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def test_2_ui_without_session_is_the_sign_in_page(driver, server):
    driver.get(server.base + "/ui")
    form = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "form[action='/ui/login']"))
    assert form.find_element(By.CSS_SELECTOR, "input[name='token']").get_attribute("type") == "password"
    # The sign-in page is not the dashboard: no run form, and no token anywhere in the page.
    assert not driver.find_elements(By.ID, "run-form")
    assert TOKEN not in driver.page_source


def test_3_printed_login_url_signs_in_once(driver, server):
    driver.get(server.login_url)
    wait(driver).until(lambda d: d.current_url.rstrip("/").endswith("/ui") or "/ui/" in d.current_url)
    assert "code=" not in driver.current_url  # the 303 took the code out of the address bar
    wait(driver, 30).until(lambda d: d.find_elements(By.ID, "run-form"))
    cookie = driver.get_cookie("cracktrader_session")
    assert cookie is not None and cookie["httpOnly"] and cookie.get("sameSite") == "Strict"
    assert len(cookie["value"]) == 64
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-status").text.strip() == "idle")
    # Used once: a second visit of the same URL does not sign in.
    with pytest.raises(urllib.error.HTTPError) as second:
        urllib.request.urlopen(server.login_url, timeout=5)
    assert second.value.code == 401


def test_4_restart_shows_the_sign_in_screen_and_the_token_signs_in_again(driver, server):
    assert driver.find_elements(By.ID, "run-form")
    driver.get_log("browser")  # start from a clean log
    server.restart()
    # The page is still the dashboard; its next API call meets 401 and the screen appears over it.
    screen = wait(driver, 40).until(lambda d: d.find_element(By.ID, "auth-screen"))
    assert screen.get_attribute("role") == "dialog"
    assert "needs a token" in screen.text
    assert driver.find_element(By.ID, "main").get_attribute("inert") is not None
    # The restart itself logs errors (refused connections, the 401s, the refused WebSocket): drain them.
    driver.get_log("browser")
    token_input = driver.find_element(By.ID, "auth-token")
    assert driver.switch_to.active_element == token_input
    token_input.send_keys(TOKEN)
    screen.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait(driver, 30).until(lambda d: d.find_elements(By.ID, "run-form") and not d.find_elements(By.ID, "auth-screen"))
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-status").text.strip() == "idle")
    # Signed in again, the reloaded dashboard logs no error at all.
    assert severe(driver) == []


def test_5_a_wrong_token_in_the_form_does_not_sign_in(driver, server):
    driver.delete_all_cookies()
    driver.get(server.base + "/ui")
    form = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "form[action='/ui/login']"))
    form.find_element(By.CSS_SELECTOR, "input[name='token']").send_keys("not-the-token-at-all-0000")
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "form[action='/ui/login']"))
    assert driver.get_cookie("cracktrader_session") is None
    assert not driver.find_elements(By.ID, "run-form")
