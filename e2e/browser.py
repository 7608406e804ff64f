"""Headless Chromium (Selenium) for the dashboard tests (test_dashboard_*.py), SPEC §4.4.

    from browser import browser, dashboard_factory  # noqa: F401  (pytest fixtures)

* `Browser` - one headless Chromium driven through /usr/bin/chromedriver. Every page it lands on is
  saved as test-artifacts/screenshots/<test>-<NN-step>.png (`go`, `submit`, `click` do it; `shot`
  on demand). It knows the navigation's HTTP status (`status()`, from the Navigation Timing entry),
  fails loudly on a page whose template is missing, and can hand its cookies to `requests`.
* `dashboard_factory(...)` (fixture) - starts a `latchkey serve` (the harness process wrapper, waiting
  while the binary is being relinked) with the dashboard templates (LATCHKEY_WEB_DIR, default
  <repo>/web) and the loopback test providers of conftest's `env`; its log is attached to a failing test.

The tests skip (with the reason) only when Selenium, Chromium or chromedriver is not installed:
`apt-get install -y chromium chromium-driver && pip install selenium`. With
LATCHKEY_E2E_REQUIRE_BROWSER=1 (CI) a missing browser fails the tests instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness import REPO_ROOT, Latchkey
from oauth_helpers import PatientLatchkey

SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
WEB_DIR = Path(os.environ.get("LATCHKEY_WEB_DIR") or REPO_ROOT / "web")
SESSION_COOKIE = "lk_session"
DESKTOP = (1280, 900)
PHONE = (390, 844)

# Every screenshot taken in this pytest session: (test, step, path).
SHOTS: list[tuple[str, str, Path]] = []

_MISSING_TEMPLATE = re.compile(r"The page template '([^']+)' is missing\.")


# --------------------------------------------------------------------------------------
# Availability
# --------------------------------------------------------------------------------------


def _first_existing(*candidates: str) -> Optional[str]:
    for c in candidates:
        p = shutil.which(c) if not c.startswith("/") else (c if os.path.exists(c) else None)
        if p:
            return p
    return None


def chromium_binary() -> Optional[str]:
    return _first_existing("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def chromedriver_binary() -> Optional[str]:
    return _first_existing("/usr/bin/chromedriver", "chromedriver")


def unavailable_reason() -> Optional[str]:
    missing = []
    if importlib.util.find_spec("selenium") is None:
        missing.append("the selenium package (pip install selenium)")
    if chromium_binary() is None:
        missing.append("chromium (apt-get install -y chromium)")
    if chromedriver_binary() is None:
        missing.append("chromedriver (apt-get install -y chromium-driver)")
    return ("the dashboard tests need " + ", ".join(missing)) if missing else None


def require_browser():
    reason = unavailable_reason()
    if reason:
        if os.environ.get("LATCHKEY_E2E_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (LATCHKEY_E2E_REQUIRE_BROWSER=1)")
        pytest.skip(reason)


# --------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


class Browser:
    """One headless Chromium; `base` is the Latchkey origin that relative paths go to."""

    def __init__(self, test_name: str, size: tuple[int, int] = DESKTOP, base: str = ""):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.test = safe_name(test_name)
        self.base = base
        self.shots: list[Path] = []
        self._n = 0
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium_binary()
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--window-size={size[0]},{size[1]}",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--password-store=basic",
            "--lang=en-US",
        ):
            opts.add_argument(arg)
        opts.add_experimental_option(
            "prefs", {"credentials_enable_service": False, "profile.password_manager_enabled": False}
        )
        self.driver = webdriver.Chrome(service=Service(chromedriver_binary()), options=opts)
        self.driver.set_page_load_timeout(60)
        if size != DESKTOP:
            # --window-size sets the outer window; make the layout viewport the size asked for.
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": True},
            )
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def close(self):
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass

    # -- where we are ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    @property
    def current_url(self) -> str:
        return self.driver.current_url

    @property
    def path(self) -> str:
        return urlsplit(self.driver.current_url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.driver.current_url).query)

    @property
    def html(self) -> str:
        return self.driver.page_source

    def status(self) -> Optional[int]:
        """The HTTP status of the document now shown (Navigation Timing Level 2 `responseStatus`)."""
        return self.driver.execute_script(
            "const e = performance.getEntriesByType('navigation')[0]; return e ? e.responseStatus : null;"
        )

    def describe(self) -> str:
        text = ""
        try:
            text = self.driver.find_element("tag name", "body").text
        except Exception:  # noqa: BLE001
            pass
        return f"{self.current_url} (HTTP {self.status()}): {text[:1500]!r}"

    # -- elements ------------------------------------------------------------------------------

    def find(self, css: str, within=None):
        from selenium.common.exceptions import NoSuchElementException

        try:
            return (within or self.driver).find_element("css selector", css)
        except NoSuchElementException:
            raise AssertionError(f"no element matches {css!r} on {self.describe()}") from None

    def finds(self, css: str, within=None) -> list:
        return (within or self.driver).find_elements("css selector", css)

    def exists(self, css: str) -> bool:
        return bool(self.finds(css))

    def text(self, css: str) -> str:
        return self.find(css).text

    def fill(self, form_css: str, values: dict[str, str]):
        """Types each value into the form's control of that name (clearing it first)."""
        form = self.find(form_css)
        for name, value in values.items():
            el = self.find(f'[name="{name}"]', within=form)
            if el.tag_name == "select":
                from selenium.webdriver.support.ui import Select

                Select(el).select_by_value(value)
            else:
                el.clear()
                if value:
                    el.send_keys(value)

    # -- navigation (each lands with a screenshot) ----------------------------------------------

    def go(self, path: str, step: str):
        self.driver.get(self.url(path))
        self._landed(step)

    def click(self, css: str, step: str, within=None):
        """Clicks an element that navigates (link or submit button) and waits for the new page."""
        el = self.find(css, within)
        self._navigate(lambda: el.click(), step)

    def submit(self, form_css: str, button_css: str, step: str, values: Optional[dict[str, str]] = None):
        if values:
            self.fill(form_css, values)
        self.click(button_css, step, within=self.find(form_css))

    def _navigate(self, action, step: str):
        """Runs `action` (which must load a new document) and waits until the new page has loaded: the old
        document carries a marker on `window`, the new one does not."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.execute_script("window.__lkOldPage = true;")
        action()

        def loaded(d):
            return d.execute_script("return window.__lkOldPage !== true && document.readyState === 'complete'")

        WebDriverWait(self.driver, 60, poll_frequency=0.05, ignored_exceptions=(WebDriverException,)).until(
            loaded, f"no new page loaded after the step before {step!r} (still at {self.driver.current_url})"
        )
        self._landed(step)

    def _landed(self, step: str):
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.shot(step)
        m = _MISSING_TEMPLATE.search(self.html)
        if m:
            raise AssertionError(
                f"FINDING: the dashboard template '{m.group(1)}' is missing (web/templates/"
                f"{m.group(1)}.mustache) - page {self.current_url}, HTTP {self.status()}"
            )

    def shot(self, step: str) -> Path:
        self._n += 1
        path = SCREENSHOT_DIR / f"{self.test}-{self._n:02d}-{safe_name(step)}.png"
        ok = self.driver.save_screenshot(str(path))
        assert ok and path.exists() and path.stat().st_size > 0, f"screenshot {path} was not saved"
        self.shots.append(path)
        SHOTS.append((self.test, step, path))
        return path

    # -- JavaScript and cookies ---------------------------------------------------------------------

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def cookie(self, name: str = SESSION_COOKIE) -> Optional[str]:
        c = self.driver.get_cookie(name)
        return c["value"] if c else None

    def requests_session(self) -> requests.Session:
        """A `requests` session carrying this browser's cookies (as another site's form post would)."""
        s = requests.Session()
        for c in self.driver.get_cookies():
            s.cookies.set(c["name"], c["value"], path=c.get("path", "/"))
        return s

    # -- dashboard steps -------------------------------------------------------------------------

    def login(self, email: str, password: str, step: str = "signed-in", next_path: str = "/login"):
        self.go(next_path, "login-page")
        assert self.exists("form#login-form"), f"no form#login-form at {next_path}: {self.describe()}"
        self.submit("form#login-form", "#login-submit", step, {"email": email, "password": password})
        assert self.path != "/login", f"sign-in failed: {self.describe()}"

    def notice(self) -> str:
        els = self.finds("#notice")
        return els[0].text if els else ""

    def credential_rows(self) -> dict[str, object]:
        return {r.get_attribute("data-credential-id"): r for r in self.finds("tr[data-credential-id]")}

    def credential_status(self, cid: str) -> str:
        row = self.find(f'tr[data-credential-id="{cid}"]')
        return self.find(".badge[data-status]", within=row).get_attribute("data-status")


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture
def browser_factory(request):
    """Call it (optionally with size=PHONE, base=lk.public_url) for a Browser; all close at teardown."""
    require_browser()
    made: list[Browser] = []
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOT_DIR.glob(safe_name(request.node.name) + "-*.png"):
        stale.unlink()  # from an earlier run of this test

    def make(base: str = "", size: tuple[int, int] = DESKTOP, suffix: str = "") -> Browser:
        b = Browser(request.node.name + suffix, size=size, base=base)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
    missing = [str(p) for b in made for p in b.shots if not p.exists() or p.stat().st_size == 0]
    assert not missing, f"screenshots missing or empty: {missing}"


def start_dashboard(
    env, *, admin: bool = True, extra_providers: Optional[dict] = None, extra_env: Optional[dict] = None
) -> Latchkey:
    """A `latchkey serve` with the dashboard, conftest's loopback providers (+ extra ones), in `env`
    (so it stops at teardown and its log is attached on failure). With admin=True the harness admin
    (Latchkey.ADMIN_EMAIL / ADMIN_PASSWORD) is created with the CLI, with an API token (lk.admin)."""
    providers = env.providers()
    providers.update(extra_providers or {})
    e = {"LATCHKEY_WEB_DIR": str(WEB_DIR), "LATCHKEY_REFRESH_INTERVAL": "0"}
    e.update(extra_env or {})
    lk = PatientLatchkey(env.tmp / f"lk{len(env.servers)}", providers, e)
    env.servers.append(lk)
    lk.start()
    if admin:
        _ = lk.admin
    return lk


@pytest.fixture
def dashboard_factory(env):
    def make(**kw) -> Latchkey:
        return start_dashboard(env, **kw)

    return make


@pytest.fixture
def browser(browser_factory):
    return browser_factory()


def signed_in(browser_factory, lk: Latchkey, size: tuple[int, int] = DESKTOP) -> Browser:
    """A browser signed in as the harness admin of `lk`."""
    b = browser_factory(base=lk.public_url, size=size)
    b.login(Latchkey.ADMIN_EMAIL, Latchkey.ADMIN_PASSWORD)
    return b


def setup_link(lk: Latchkey, timeout: float = 15.0) -> str:
    """The one-time setup link `serve` logs when the database has no users."""
    pattern = re.compile(rb"create the first admin: (http://\S+/setup\?token=[A-Za-z0-9_\-]+)")
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = pattern.search(lk.log_text())
        if m:
            return m.group(1).decode()
        time.sleep(0.1)
    raise AssertionError(f"no setup link in {lk.log_path}:\n{lk.log_tail(40)}")
