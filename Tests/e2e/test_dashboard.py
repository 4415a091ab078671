"""End-to-end tests of the /ui dashboard in headless Chromium.

They drive the page like a user: the only direct API calls from Python are reads used to check
what the page shows (meta, health, results). Run against the real server; see README.md.
The tests share one browser and run in file order (each step builds on the previous one).
"""
import base64
import json
import re
import time
import urllib.request

import pytest
from conftest import BASE_URL
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BACKTEST_START = "2024-01-01"
BACKTEST_END = "2024-03-01"  # 60 days later
MINUS = "\u2212"
DASH = "\u2014"

# A 400 from the deliberately invalid request in test 6 is logged by Chromium as a failed resource.
EXPECTED_400 = r"/api/v1/run/backtest - Failed to load resource: the server responded with a status of 400"


# ---- helpers ---------------------------------------------------------------------------------

def get_json(base_url, path):
    with urllib.request.urlopen(base_url + path, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def wait(driver, timeout=20, poll=0.2):
    # A view re-rendered between finding an element and reading it is looked up again.
    return WebDriverWait(driver, timeout, poll_frequency=poll, ignored_exceptions=(StaleElementReferenceException,))


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text.strip()


def severe_logs(driver, allow=()):
    """SEVERE browser log entries (console errors, CSP violations, failed loads) not in `allow`."""
    bad = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        if any(re.search(pattern, entry["message"]) for pattern in allow):
            continue
        bad.append(entry["message"])
    return bad


def assert_no_console_errors(driver, allow=()):
    errors = severe_logs(driver, allow)
    assert not errors, "browser console errors:\n" + "\n".join(errors)


def wait_for_form(driver):
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#f-strategy option"))
    wait(driver).until(lambda d: d.find_element(By.ID, "card-status").text.strip() not in ("", DASH))


def set_value(driver, element_id, value):
    """Sets an input's value the way a user edit would be seen (input + change events)."""
    driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id, value)


def set_symbols(driver, *symbols):
    for button in driver.find_elements(By.CSS_SELECTOR, "#run-form .chip-remove"):
        button.click()
    box = driver.find_element(By.ID, "f-symbols")
    for symbol in symbols:
        box.send_keys(symbol, Keys.ENTER)
    chips = [c.text.replace("\u00d7", "").strip() for c in driver.find_elements(By.CSS_SELECTOR, "#run-form .chip")]
    assert chips == list(symbols)


def fill_form(driver, *, strategy, exchange, mode, symbol, timeframe, start=None, end=None, cash="10000", params=None):
    Select(driver.find_element(By.ID, "f-strategy")).select_by_value(strategy)
    Select(driver.find_element(By.ID, "f-exchange")).select_by_value(exchange)
    driver.find_element(By.ID, f"f-mode-{mode}").click()
    set_symbols(driver, symbol)
    Select(driver.find_element(By.ID, "f-timeframe")).select_by_value(timeframe)
    if start is not None:
        set_value(driver, "f-start", start)
    if end is not None:
        set_value(driver, "f-end", end)
    cash_input = driver.find_element(By.ID, "f-cash")
    cash_input.clear()
    cash_input.send_keys(cash)
    for name, value in (params or {}).items():
        field = driver.find_element(By.ID, f"p-{name}")
        field.clear()
        field.send_keys(str(value))


def click_start(driver):
    button = driver.find_element(By.ID, "btn-start")
    wait(driver).until(lambda d: button.is_enabled())
    button.click()


def wait_status(driver, wanted, timeout):
    wanted = {wanted} if isinstance(wanted, str) else set(wanted)
    try:
        wait(driver, timeout, 0.25).until(lambda d: d.find_element(By.ID, "card-status").text.strip() in wanted)
    except TimeoutException:
        banner = driver.find_element(By.ID, "banner").text
        # What the server says tells a stuck run from a dashboard that missed an update.
        try:
            server = get_json(BASE_URL, "/api/v1/status")
        except OSError as error:
            server = f"unreadable ({error})"
        raise AssertionError(f"status card stayed at {text(driver, '#card-status')!r}, wanted {wanted}; banner: {banner!r}; "
                             f"server /status: {server!r}")
    return text(driver, "#card-status")


def parse_number(shown):
    """'−1,234.50%' → (-1234.5, 2 decimals shown)."""
    cleaned = shown.replace(MINUS, "-").replace(",", "").replace("%", "").replace("bars", "").replace("+", "").strip()
    decimals = len(cleaned.split(".")[1]) if "." in cleaned else 0
    return float(cleaned), decimals


def en_us(value, decimals):
    return f"{value:,.{decimals}f}".replace("-", MINUS)


COLOURED_PIXELS_JS = """
const canvas = document.querySelector(arguments[0] + ' canvas');
if (!canvas || !canvas.width || !canvas.height) return -1;
const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let coloured = 0;
for (let i = 0; i < data.length; i += 4) {
  if (data[i + 3] < 128) continue;                       // transparent background
  const max = Math.max(data[i], data[i + 1], data[i + 2]);
  const min = Math.min(data[i], data[i + 1], data[i + 2]);
  if (max - min > 60) coloured += 1;                     // saturated: series, not grey grid/text
}
return coloured;
"""


def coloured_pixels(driver, css):
    return driver.execute_script(COLOURED_PIXELS_JS, css)


def screenshot(driver, artifacts, name, width, height, scale=1, mobile=False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile})
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.8)  # layout, ResizeObserver and one animation frame
    driver.save_screenshot(str(artifacts / f"{name}.png"))
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000), "scale": 1}})
    (artifacts / f"{name}-full.png").write_bytes(base64.b64decode(shot["data"]))


# ---- tests -----------------------------------------------------------------------------------

state = {}


def test_1_header_and_clean_console(driver, base_url):
    meta = get_json(base_url, "/api/v1/meta")
    with urllib.request.urlopen(base_url + "/ui", timeout=10) as response:
        csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp, "the dashboard must be served with the strict CSP"
    driver.get(base_url + "/ui")
    wait(driver).until(lambda d: d.find_element(By.ID, "api-version").text.strip() == f"API {meta['api_version']}")
    assert meta["api_version"] == "v1"
    assert text(driver, "#api-version") == "API v1"
    health = get_json(base_url, "/api/v1/health")["status"]
    wait(driver).until(lambda d: d.find_element(By.ID, "health").get_attribute("data-state") in ("healthy", "degraded", "unhealthy"))
    assert driver.find_element(By.ID, "health").get_attribute("data-state") == health
    assert text(driver, "#health") == f"Health: {health}"
    wait(driver).until(lambda d: d.find_element(By.ID, "conn").get_attribute("data-state") == "connected")
    wait_for_form(driver)
    time.sleep(1)  # let late module, WebSocket and fetch errors surface
    assert_no_console_errors(driver)
    # Every input has a label.
    unlabelled = driver.execute_script("""
      return [...document.querySelectorAll('input, select')].filter((el) => el.type !== 'hidden'
        && !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.id || el.name);""")
    assert unlabelled == []


def test_2_start_backtest(driver):
    fill_form(driver, strategy="MovingAverageCross", exchange="sim", mode="backtest", symbol="BTC/USDT",
              timeframe="1h", start=BACKTEST_START, end=BACKTEST_END)
    previous_run = text(driver, "#card-run-id")
    click_start(driver)
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-run-id").text.strip() not in (DASH, previous_run))
    state["run_id"] = text(driver, "#card-run-id")
    assert text(driver, "#card-mode") == "backtest"


def test_3_completes_through_live_updates(driver):
    wait_status(driver, "completed", timeout=180)
    assert text(driver, "#card-run-id") == state["run_id"]
    assert driver.find_element(By.ID, "btn-start").is_enabled()
    assert not driver.find_element(By.ID, "btn-stop").is_enabled()
    assert driver.find_element(By.ID, "btn-reset").is_enabled()


def test_4_metrics_match_results(driver, base_url):
    results = get_json(base_url, "/api/v1/results")
    assert results["run_id"] == state["run_id"]
    metrics = results["performance_metrics"]
    wait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#metrics-table tr[data-metric='total_return'] td"))
    shown = {row.get_attribute("data-metric"): row.find_element(By.CSS_SELECTOR, "td").text.strip()
             for row in driver.find_elements(By.CSS_SELECTOR, "#metrics-table tbody tr")}
    assert set(shown) == set(metrics), "every metric key is displayed"
    total_return = metrics["total_return"]
    assert shown["total_return"] == en_us(total_return * 100, 2) + "%"
    assert shown["total_trades"] == en_us(metrics["total_trades"], 0)
    percent_keys = {"total_return", "cagr", "max_drawdown", "win_rate", "exposure"}
    for key, value in metrics.items():
        if value is None:
            assert shown[key] == DASH, key
            continue
        number, decimals = parse_number(shown[key])
        expected = value * 100 if key in percent_keys else value
        assert abs(number - expected) <= 0.5 * 10 ** -decimals + 1e-9 * max(1.0, abs(expected)), (key, shown[key], value)
    trades = results.get("trades") or []
    if trades:
        caption = driver.find_element(By.CSS_SELECTOR, "#trades-table caption").get_attribute("textContent").strip()
        assert caption == f"Trades ({len(trades)})"
    state["results"] = results


def test_5_charts_drew(driver, artifacts):
    def drawn(d):
        return coloured_pixels(d, "#price-chart") > 400 and coloured_pixels(d, "#equity-chart") > 400
    try:
        wait(driver, 20, 0.5).until(drawn)
    except TimeoutException:
        raise AssertionError(f"price chart: {coloured_pixels(driver, '#price-chart')} coloured pixels, "
                             f"equity chart: {coloured_pixels(driver, '#equity-chart')}")
    # High-DPI backing store: the canvas has devicePixelRatio × its CSS size.
    ratio = driver.execute_script(
        "const c = document.querySelector('#equity-chart canvas'); return c.width / c.getBoundingClientRect().width / devicePixelRatio;")
    assert abs(ratio - 1) < 0.02
    screenshot(driver, artifacts, "desktop-backtest", 1440, 900)


def test_6_invalid_date_range(driver, base_url):
    # Client-side validation stops it first.
    driver.find_element(By.ID, "f-mode-backtest").click()
    set_value(driver, "f-start", BACKTEST_END)
    set_value(driver, "f-end", BACKTEST_START)
    click_start(driver)
    error = wait(driver, 5).until(lambda d: d.find_element(By.ID, "f-end-error"))
    wait(driver, 5).until(lambda d: error.is_displayed())
    assert "after" in error.text
    assert driver.find_element(By.ID, "f-end").get_attribute("aria-invalid") == "true"
    assert text(driver, "#card-status") == "completed", "no run was started"
    # With ?novalidate=1 the page skips its own checks, so the server's answer shows in the banner.
    driver.get(base_url + "/ui?novalidate=1")
    wait_for_form(driver)
    fill_form(driver, strategy="MovingAverageCross", exchange="sim", mode="backtest", symbol="BTC/USDT",
              timeframe="1h", start=BACKTEST_END, end=BACKTEST_START)
    click_start(driver)
    item = wait(driver, 15).until(lambda d: d.find_element(By.CSS_SELECTOR, "#banner .banner-item[data-code='INVALID_DATE_RANGE']"))
    assert "INVALID_DATE_RANGE" in item.text
    item.find_element(By.TAG_NAME, "button").click()
    wait(driver, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#banner .banner-item[data-code='INVALID_DATE_RANGE']"))
    assert_no_console_errors(driver, allow=[EXPECTED_400])


def test_7_paper_run_updates_and_stops(driver, base_url):
    driver.get(base_url + "/ui")
    wait_for_form(driver)
    fill_form(driver, strategy="MovingAverageCross", exchange="sim", mode="paper", symbol="BTC/USDT",
              timeframe="1m", params={"fast_period": 2, "slow_period": 5})
    assert not driver.find_element(By.ID, "f-start").is_displayed(), "dates only apply to backtests"
    click_start(driver)
    wait_status(driver, "running", timeout=60)
    assert text(driver, "#card-mode") == "paper"
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-value").text.strip() != DASH)
    first = text(driver, "#card-value")
    try:
        wait(driver, 120, 0.25).until(lambda d: d.find_element(By.ID, "card-value").text.strip() not in (first, DASH))
    except TimeoutException:
        raise AssertionError(f"value card stayed at {first} during the paper run")
    assert re.match(r"^[+\u2212]?[\d,]+\.\d\d$", text(driver, "#card-pnl")) or text(driver, "#card-pnl") == "0.00"
    stop = driver.find_element(By.ID, "btn-stop")
    assert stop.is_enabled()
    assert not driver.find_element(By.ID, "btn-start").is_enabled()
    stop.click()
    wait_status(driver, "stopped", timeout=60)
    assert driver.find_element(By.ID, "btn-reset").is_enabled()
    # The stop request's answer ("stopping") may arrive after the stream said "stopped"; the page
    # keeps the newer status. The shipped rule, asked in the page:
    overtaken = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('/ui/store.js').then(({ isOvertaken }) => done([
          isOvertaken({ run_id: 'a', status: 'stopped' }, { run_id: 'a', status: 'stopping' }),
          isOvertaken({ run_id: 'a', status: 'running' }, { run_id: 'a', status: 'starting' }),
          isOvertaken({ run_id: 'a', status: 'stopping' }, { run_id: 'a', status: 'stopped' }),
          isOvertaken({ run_id: 'a', status: 'stopped' }, { run_id: 'b', status: 'starting' }),
          isOvertaken({ run_id: 'a', status: 'completed' }, { run_id: 'a', status: 'idle' }),
          isOvertaken(null, { run_id: 'a', status: 'running' }),
        ]), (error) => done(String(error)));
    """)
    assert overtaken == [True, True, False, False, False, False]
    assert text(driver, "#card-status") == "stopped"
    wait(driver, 20, 0.5).until(lambda d: coloured_pixels(d, "#equity-chart") > 100)
    state["paper_ok"] = True


def test_8_screenshots_and_responsive(driver, artifacts):
    screenshot(driver, artifacts, "desktop", 1440, 900)
    screenshot(driver, artifacts, "mobile", 375, 812, scale=2, mobile=True)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at 375px"
    ratio = driver.execute_script(
        "const c = document.querySelector('#equity-chart canvas'); return c.width / c.getBoundingClientRect().width;")
    assert abs(ratio - 2) < 0.05, "canvas backing store follows devicePixelRatio"
    screenshot(driver, artifacts, "desktop-after", 1440, 900)
    assert_no_console_errors(driver)


# ---- Pine scripts ------------------------------------------------------------------------------

E2E_SCRIPT = """//@version=5
strategy("E2E Cross", overlay=true, initial_capital=10000, default_qty_type=strategy.percent_of_equity, default_qty_value=50)
fastLength = input.int(10, "Fast length", minval=1, maxval=200)
slowLength = input.int(30, "Slow length", minval=2)
fast = ta.sma(close, fastLength)
slow = ta.sma(close, slowLength)
plot(fast, "Fast SMA")
plot(slow, "Slow SMA")
if ta.crossover(fast, slow)
    strategy.entry("Long", strategy.long)
if ta.crossunder(fast, slow)
    strategy.close("Long", comment="Exit")
"""
E2E_BROKEN = E2E_SCRIPT.replace("ta.sma(close, fastLength)", "ta.sma(clsoe, fastLength)")
E2E_NAME = f"E2E Cross {int(time.time()) % 100000}"


def test_9_script_error_fix_run_plots_and_trades(driver, base_url):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.get(base_url + "/ui")
    wait_for_form(driver)
    driver.get_log("browser")  # start clean
    # Write a script with an error: the check marks line 5 and lists it.
    name = driver.find_element(By.ID, "script-name")
    name.clear()
    name.send_keys(E2E_NAME)
    set_value(driver, "script-source", E2E_BROKEN)
    wait(driver, 10).until(lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, ".editor-gutter .line.has-error")] == ["5"])
    listed = text(driver, "#script-source-diagnostics")
    assert "Line 5, column 15" in listed and "undeclared identifier 'clsoe'" in listed, listed
    assert driver.find_elements(By.CSS_SELECTOR, ".editor-highlight .diag-error"), "the error is underlined in the text"
    # Saving a broken script keeps the work but says it cannot run yet.
    driver.find_element(By.ID, "script-save").click()
    wait(driver, 10).until(lambda d: "1 error" in d.find_element(By.ID, "script-status").text)
    assert not driver.find_element(By.ID, "script-run").is_enabled()
    # Fix it: the diagnostics clear; save version 2.
    set_value(driver, "script-source", E2E_SCRIPT)
    wait(driver, 10).until(lambda d: d.find_element(By.ID, "script-source-diagnostics").text.strip() == "No problems found.")
    assert not driver.find_elements(By.CSS_SELECTOR, ".editor-gutter .line.has-error")
    driver.find_element(By.ID, "script-save").click()
    wait(driver, 10).until(lambda d: d.find_element(By.ID, "script-status").text.startswith("Saved version 2"))
    # The diff against version 1 shows the fixed line.
    driver.find_element(By.ID, "script-diff-toggle").click()
    diff = wait(driver, 10).until(lambda d: d.find_element(By.ID, "script-diff").text)
    assert "- fast = ta.sma(clsoe, fastLength)" in diff and "+ fast = ta.sma(close, fastLength)" in diff, diff
    # Run it: the run form shows its inputs.
    wait(driver, 10).until(lambda d: d.find_element(By.ID, "script-run").is_enabled())
    wait(driver, 10).until(lambda d: any(o.get_attribute("value") == E2E_NAME for o in d.find_elements(By.CSS_SELECTOR, "#f-strategy option")))
    driver.find_element(By.ID, "script-run").click()
    assert Select(driver.find_element(By.ID, "f-strategy")).first_selected_option.get_attribute("value") == E2E_NAME
    assert driver.find_element(By.ID, "p-fastLength").get_attribute("value") == "10"
    fill_form(driver, strategy=E2E_NAME, exchange="sim", mode="backtest", symbol="BTC/USDT", timeframe="1h",
              start=BACKTEST_START, end=BACKTEST_END, params={"fastLength": 5})
    click_start(driver)
    wait_status(driver, "completed", timeout=120)
    results = get_json(base_url, "/api/v1/results?max_points=2000")
    assert results["config"]["strategy_name"] == E2E_NAME
    assert results["config"]["strategy_params"]["fastLength"] == 5
    assert [p["title"] for p in results["plots"]] == ["Fast SMA", "Slow SMA"]
    # Plots overlay the price chart; the trade list and its CSV link show.
    wait(driver, 20).until(lambda d: d.find_element(By.ID, "price-chart").get_attribute("data-plots") == "2")
    wait(driver, 20, 0.5).until(lambda d: coloured_pixels(d, "#price-chart") > 100)
    section = driver.find_element(By.ID, "trade-list")
    wait(driver, 20).until(lambda d: section.is_displayed())
    assert text(driver, "#trade-list-title") == f"List of trades (TradingView) ({len(results['trade_list'])} rows)"
    assert len(results["trade_list"]) == 2 * len(results["trades"]) > 0
    href = driver.find_element(By.ID, "trade-list-csv").get_attribute("href")
    assert href.endswith(f"/api/v1/runs/{results['run_id']}/trades.csv")
    with urllib.request.urlopen(href, timeout=10) as response:
        csv_text = response.read().decode("utf-8")
    assert csv_text.startswith("Trade #,Type,Date/Time,Signal,Price USDT,")
    assert csv_text.count("\n") == 1 + len(results["trade_list"])
    assert_no_console_errors(driver)


def test_10_live_mode_asks_for_risk_limit_and_typed_confirmation(driver, base_url):
    """Live mode: max_order_notional is required in the form, the confirmation needs the venue's
    name typed, and the server's refusal (no keys on this offline server) shows in the banner;
    nothing starts and no live banner appears. No request reaches a venue (--offline, no keys)."""
    driver.get(base_url + "/ui")
    wait_for_form(driver)
    if get_json(base_url, "/api/v1/status")["status"] in ("starting", "running", "stopping"):
        driver.find_element(By.ID, "btn-stop").click()
        wait_status(driver, ("stopped", "completed", "failed"), timeout=60)
    fill_form(driver, strategy="MovingAverageCross", exchange="binance", mode="live", symbol="BTC/USDT", timeframe="1h")
    wait(driver).until(lambda d: d.find_elements(By.ID, "r-max_order_notional"))
    assert driver.find_element(By.ID, "r-cancel-on-stop").is_selected(), "cancelling open orders on stop is the default"
    click_start(driver)
    wait(driver).until(lambda d: d.find_element(By.ID, "r-max_order_notional-error").is_displayed())
    assert "max_order_notional" in text(driver, "#r-max_order_notional-error")
    assert not driver.find_element(By.ID, "confirm-dialog").get_attribute("open")

    set_value(driver, "r-max_order_notional", "100")
    click_start(driver)
    wait(driver).until(lambda d: d.find_element(By.ID, "confirm-dialog").get_attribute("open") is not None)
    ok = driver.find_element(By.ID, "confirm-ok")
    typed = driver.find_element(By.ID, "confirm-typed")
    assert not ok.is_enabled(), "confirm stays disabled until the venue's name is typed"
    typed.send_keys("Binanc")
    assert not ok.is_enabled()
    typed.send_keys("e")
    wait(driver).until(lambda d: ok.is_enabled())
    ok.click()
    wait(driver).until(lambda d: "CREDENTIALS_REQUIRED" in d.find_element(By.ID, "banner").text)
    assert get_json(base_url, "/api/v1/status")["status"] != "running"
    assert not driver.find_element(By.ID, "live-banner").is_displayed()


def test_11_script_paper_run_shows_plots_and_stops(driver, base_url):
    """The script saved in test 9 runs as a paper run from the form: warmed up on sim history,
    stepped on live bars, its plots drawn over the price chart, stopped from the controls."""
    driver.get(base_url + "/ui")
    wait_for_form(driver)
    driver.get_log("browser")  # start clean: test 10's refused live start logged its 422
    if get_json(base_url, "/api/v1/status")["status"] in ("starting", "running", "stopping"):
        driver.find_element(By.ID, "btn-stop").click()
        wait_status(driver, ("stopped", "completed", "failed"), timeout=60)
    wait(driver, 10).until(lambda d: any(o.get_attribute("value") == E2E_NAME for o in d.find_elements(By.CSS_SELECTOR, "#f-strategy option")))
    fill_form(driver, strategy=E2E_NAME, exchange="sim", mode="paper", symbol="BTC/USDT", timeframe="1m",
              params={"fastLength": 2, "slowLength": 5})
    click_start(driver)
    wait_status(driver, "running", timeout=60)
    assert text(driver, "#card-mode") == "paper"
    wait(driver, 120, 0.5).until(lambda d: (get_json(base_url, "/api/v1/status").get("bars_processed") or 0) >= 3)
    driver.find_element(By.ID, "btn-stop").click()
    wait_status(driver, "stopped", timeout=60)
    results = get_json(base_url, "/api/v1/results?max_points=2000")
    assert results["mode"] == "paper"
    assert results["config"]["strategy_name"] == E2E_NAME
    assert results["config"]["strategy_params"]["fastLength"] == 2
    assert results["script"]["source"] == E2E_SCRIPT
    assert [p["title"] for p in results["plots"]] == ["Fast SMA", "Slow SMA"]
    assert results["bars_processed"] >= 3
    wait(driver, 20).until(lambda d: d.find_element(By.ID, "price-chart").get_attribute("data-plots") == "2")
    wait(driver, 20, 0.5).until(lambda d: coloured_pixels(d, "#price-chart") > 100)
    assert_no_console_errors(driver)


# ---- Sweeps ------------------------------------------------------------------------------------

SWEEP_START = "2024-01-01"
SWEEP_END = "2024-02-01"


def sweep_cell_order(driver):
    return [row.get_attribute("data-cell") for row in driver.find_elements(By.CSS_SELECTOR, "#sweep-cells-table tbody tr")]


def open_sweeps_tab(driver, base_url):
    """A fresh page with no run in progress (so "open as a run" can start one), on the Sweeps tab."""
    driver.get(base_url + "/ui")
    wait_for_form(driver)
    driver.get_log("browser")  # start clean
    if get_json(base_url, "/api/v1/status")["status"] in ("starting", "running", "stopping"):
        driver.find_element(By.ID, "btn-stop").click()
        wait_status(driver, ("stopped", "completed", "failed"), timeout=60)
    driver.find_element(By.ID, "tab-sweeps").click()
    wait(driver).until(lambda d: d.find_element(By.ID, "sweeps-view").is_displayed())


def fill_sweep_market(driver):
    """The sweep form's market and window: sim, BTC/USDT only, 1h, SWEEP_START to SWEEP_END."""
    Select(driver.find_element(By.ID, "sw-exchange")).select_by_value("sim")
    for button in driver.find_elements(By.CSS_SELECTOR, "#sweep-form .chip-remove"):
        button.click()
    driver.find_element(By.ID, "sw-symbols").send_keys("BTC/USDT", Keys.ENTER)
    Select(driver.find_element(By.ID, "sw-timeframe")).select_by_value("1h")
    set_value(driver, "sw-start", SWEEP_START)
    set_value(driver, "sw-end", SWEEP_END)


def test_12_sweep_grid_progress_table_heatmap_and_open_as_run(driver, base_url):
    """A small sim MovingAverageCross grid from the Sweeps tab: its progress reaches completion,
    the cell table is sorted by the server, the heatmap is drawn with its legend, and one cell opens
    as an ordinary backtest whose results show. The console stays free of errors."""
    open_sweeps_tab(driver, base_url)
    assert not driver.find_element(By.ID, "runs-view").is_displayed()
    assert driver.current_url.endswith("#sweeps")
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sw-strategy option"))

    # The form: fast_period 5, 10, 15 (range) × slow_period 20, 30 (list) = 6 points on one symbol.
    Select(driver.find_element(By.ID, "sw-strategy")).select_by_value("MovingAverageCross")
    fill_sweep_market(driver)
    Select(driver.find_element(By.ID, "sp-fast_period-mode")).select_by_value("range")
    for key, value in (("from", "5"), ("to", "15"), ("step", "5")):
        box = driver.find_element(By.ID, f"sp-fast_period-{key}")
        box.clear()
        box.send_keys(value)
    Select(driver.find_element(By.ID, "sp-slow_period-mode")).select_by_value("list")
    driver.find_element(By.ID, "sp-slow_period-list").send_keys("20, 30")
    driver.find_element(By.ID, "sw-constraints").send_keys("fast_period < slow_period")
    Select(driver.find_element(By.ID, "sw-method")).select_by_value("grid")
    Select(driver.find_element(By.ID, "sw-objective")).select_by_value("total_return")
    name = f"e2e grid {int(time.time()) % 100000}"
    driver.find_element(By.ID, "sw-name").send_keys(name)
    try:
        wait(driver, 5).until(lambda d: d.find_element(By.ID, "sw-points").text.startswith("6 grid points"))
    except TimeoutException:
        raise AssertionError(f"points line: {driver.find_element(By.ID, 'sw-points').text!r}")
    driver.find_element(By.ID, "sw-submit").click()

    # Progress, from the stream, to completion.
    wait(driver, 15).until(lambda d: name in d.find_element(By.ID, "sweep-progress-title").text)
    try:
        wait(driver, 180, 0.25).until(lambda d: d.find_element(By.ID, "sweep-status").text.strip() == "completed")
    except TimeoutException:
        raise AssertionError(f"sweep status stayed {text(driver, '#sweep-status')!r}: {text(driver, '#sweep-progress-text')}; "
                             f"banner: {driver.find_element(By.ID, 'banner').text!r}")
    assert text(driver, "#sweep-progress-text").startswith("6 / 6 cells (100%)")
    assert driver.find_element(By.ID, "sweep-progress-bar").get_attribute("value") == "6"
    listed = get_json(base_url, "/api/v1/sweeps?limit=20&offset=0")["sweeps"]
    sweep = next(s for s in listed if s.get("name") == name)
    sweep_id = sweep["sweep_id"]
    assert sweep["status"] == "completed" and sweep["summary"]["cells"] == 6
    wait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#sweeps-table tr[data-sweep='{sweep_id}']"))

    # The cell table follows the server's order; sorting asks the server again.
    wait(driver, 20).until(lambda d: len(sweep_cell_order(d)) == 6)
    assert text(driver, "#sweep-cells-info") == "1\u20136 of 6"
    driver.find_element(By.CSS_SELECTOR, "#sweep-cells-table button.sort[data-key='objective']").click()
    by_objective = [c["id"] for c in get_json(base_url, f"/api/v1/sweeps/{sweep_id}?limit=25&offset=0&sort=objective&order=desc")["cells"]]
    wait(driver, 10).until(lambda d: sweep_cell_order(d) == by_objective)
    header = driver.find_element(By.CSS_SELECTOR, "#sweep-cells-table button.sort[data-key='objective']").find_element(By.XPATH, "..")
    assert header.get_attribute("aria-sort") == "descending"
    driver.find_element(By.CSS_SELECTOR, "#sweep-cells-table button.sort[data-key='objective']").click()
    ascending = [c["id"] for c in get_json(base_url, f"/api/v1/sweeps/{sweep_id}?limit=25&offset=0&sort=objective&order=asc")["cells"]]
    wait(driver, 10).until(lambda d: sweep_cell_order(d) == ascending)
    driver.find_element(By.CSS_SELECTOR, "#sweep-cells-table button.sort[data-key='objective']").click()
    wait(driver, 10).until(lambda d: sweep_cell_order(d) == by_objective)

    # The heatmap: fast_period × slow_period, coloured by total_return, with its legend.
    detail = get_json(base_url, f"/api/v1/sweeps/{sweep_id}?limit=100&offset=0&sort=id&order=asc")
    objectives = [c["objective"] for c in detail["cells"] if c["status"] == "ok" and c["objective"] is not None]
    assert objectives, "the sweep has scored cells"
    wait(driver, 20).until(lambda d: d.find_element(By.ID, "sweep-heatmap").get_attribute("data-cells") == str(len(objectives)))
    assert Select(driver.find_element(By.ID, "sweep-hm-x")).first_selected_option.get_attribute("value") == "fast_period"
    assert Select(driver.find_element(By.ID, "sweep-hm-y")).first_selected_option.get_attribute("value") == "slow_period"
    driver.execute_script("document.getElementById('sweep-heatmap').scrollIntoView({block: 'center'})")
    wait(driver, 10, 0.25).until(lambda d: coloured_pixels(d, "#sweep-heatmap") > 400)
    assert text(driver, "#sweep-heatmap-legend .heatmap-legend-title") == "total_return, best over the other parameters:"
    shown_min, _ = parse_number(text(driver, "#sweep-heatmap-legend .heatmap-legend-min"))
    shown_max, _ = parse_number(text(driver, "#sweep-heatmap-legend .heatmap-legend-max"))
    assert abs(shown_min - min(objectives)) <= 5e-5 and abs(shown_max - max(objectives)) <= 5e-5, (shown_min, shown_max, objectives)
    canvas = driver.find_element(By.CSS_SELECTOR, "#sweep-heatmap canvas")
    ActionChains(driver).move_to_element(canvas).perform()
    tooltip = driver.find_element(By.CSS_SELECTOR, "#sweep-heatmap .chart-tooltip")
    wait(driver, 5).until(lambda d: tooltip.is_displayed())
    assert "fast_period = " in tooltip.text and "slow_period = " in tooltip.text and "total_return: " in tooltip.text

    # Open the best cell as a run: a backtest of the same point, shown in the Runs tab.
    best = next(c for c in detail["cells"] if c["id"] == by_objective[0])
    previous_run = driver.execute_script("return document.getElementById('card-run-id').textContent.trim()")
    driver.find_element(By.CSS_SELECTOR, f"#sweep-cells-table tr[data-cell='{best['id']}'] .actions button").click()
    wait(driver, 10).until(lambda d: d.find_element(By.ID, "tab-runs").get_attribute("aria-selected") == "true")
    assert driver.find_element(By.ID, "runs-view").is_displayed()
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-run-id").text.strip() not in ("", DASH, previous_run))
    wait_status(driver, "completed", timeout=180)
    results = get_json(base_url, "/api/v1/results")
    config = results["config"]
    assert config["strategy_name"] == "MovingAverageCross"
    for key, value in best["parameters"].items():
        assert config["strategy_params"][key] == value, key
    assert config["symbols"] == ["BTC/USDT"]
    assert config["start_date"].startswith(SWEEP_START) and config["end_date"].startswith(SWEEP_END)
    assert text(driver, "#card-run-id") == results["run_id"]
    wait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#metrics-table tr[data-metric='total_return'] td"))
    assert text(driver, "#metrics-table tr[data-metric='total_return'] td") == en_us(results["performance_metrics"]["total_return"] * 100, 2) + "%"
    # The same point over the same window: the run reproduces the cell.
    assert abs(results["performance_metrics"]["total_return"] - best["performance_metrics"]["total_return"]) <= 1e-9
    assert_no_console_errors(driver)


def test_13_script_sweep_and_open_as_run(driver, base_url):
    """The script saved in test 9 is swept from the Sweeps tab (its inputs as the parameters, no
    initial cash: the script's strategy() sets it), and its best cell opens as a run of that script
    that reproduces the cell."""
    open_sweeps_tab(driver, base_url)
    wait(driver, 10).until(lambda d: any(o.get_attribute("value") == E2E_NAME for o in d.find_elements(By.CSS_SELECTOR, "#sw-strategy option")))
    Select(driver.find_element(By.ID, "sw-strategy")).select_by_value(E2E_NAME)
    wait(driver, 5).until(lambda d: d.find_elements(By.ID, "sp-fastLength-mode"))
    assert not driver.find_element(By.ID, "sw-cash").is_displayed(), "a script's capital comes from strategy()"
    assert "strategy() call sets the capital" in text(driver, "#sw-strategy-help")
    fill_sweep_market(driver)
    Select(driver.find_element(By.ID, "sp-fastLength-mode")).select_by_value("list")
    driver.find_element(By.ID, "sp-fastLength-list").send_keys("5, 10, 15")
    box = driver.find_element(By.ID, "sp-slowLength-value")
    box.clear()
    box.send_keys("30")
    constraints = driver.find_element(By.ID, "sw-constraints")
    constraints.clear()
    Select(driver.find_element(By.ID, "sw-method")).select_by_value("grid")
    Select(driver.find_element(By.ID, "sw-objective")).select_by_value("net_profit")
    name = f"e2e script grid {int(time.time()) % 100000}"
    driver.find_element(By.ID, "sw-name").send_keys(name)
    wait(driver, 5).until(lambda d: d.find_element(By.ID, "sw-points").text.startswith("3 grid points"))
    driver.find_element(By.ID, "sw-submit").click()

    wait(driver, 15).until(lambda d: name in d.find_element(By.ID, "sweep-progress-title").text)
    try:
        wait(driver, 180, 0.25).until(lambda d: d.find_element(By.ID, "sweep-status").text.strip() == "completed")
    except TimeoutException:
        raise AssertionError(f"sweep status stayed {text(driver, '#sweep-status')!r}: {text(driver, '#sweep-progress-text')}")
    sweep = next(s for s in get_json(base_url, "/api/v1/sweeps?limit=20&offset=0")["sweeps"] if s.get("name") == name)
    assert sweep["strategy"] == E2E_NAME and sweep["summary"]["cells"] == 3 and sweep["summary"]["ok"] == 3, sweep
    detail = get_json(base_url, f"/api/v1/sweeps/{sweep['sweep_id']}?limit=100&offset=0&sort=objective&order=desc")
    assert detail["config"]["script"]["name"] == E2E_NAME and detail["config"]["script"]["title"] == "E2E Cross"
    assert "commission" not in detail["config"] and "initial_cash" in detail["config"]
    best = detail["cells"][0]
    wait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#sweep-cells-table tr[data-cell='{best['id']}'] .actions button"))

    previous_run = driver.execute_script("return document.getElementById('card-run-id').textContent.trim()")
    driver.find_element(By.CSS_SELECTOR, f"#sweep-cells-table tr[data-cell='{best['id']}'] .actions button").click()
    wait(driver, 10).until(lambda d: d.find_element(By.ID, "tab-runs").get_attribute("aria-selected") == "true")
    wait(driver, 30).until(lambda d: d.find_element(By.ID, "card-run-id").text.strip() not in ("", DASH, previous_run))
    wait_status(driver, "completed", timeout=180)
    results = get_json(base_url, "/api/v1/results")
    assert results["config"]["strategy_name"] == E2E_NAME
    assert results["config"]["strategy_params"]["fastLength"] == best["parameters"]["fastLength"]
    assert results["config"]["strategy_params"]["slowLength"] == 30
    assert results["final_value"] == best["final_value"]
    assert results["performance_metrics"] == best["performance_metrics"]
    assert_no_console_errors(driver)
