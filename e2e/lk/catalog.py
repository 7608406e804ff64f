"""The built-in catalog a test server loads (LATCHKEY_PROVIDERS_DIR).

The shipped catalog (<repo>/providers, about 800 files) takes seconds of CPU to parse at every start of a debug
build, and most tests use only the test providers (passed with `--providers`). So a server loads a subset by
default: the shipped providers the suite names (SUBSET, plus what they extend). A test module or test that needs
the whole catalog says so with the `shipped_catalog` marker (`pytestmark = pytest.mark.shipped_catalog`), which
conftest.py turns into use_shipped(True). LATCHKEY_E2E_BUILTIN_PROVIDERS=DIR (another catalog) or =none (an empty
one) overrides both."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent.parent / "providers"

#: Shipped providers that tests name. A provider missing here answers `unknown_provider`: add it, or mark the test.
SUBSET = ("github", "openai", "twilio", "airtable", "slack", "stripe", "notion", "linear")

_EXTENDS = re.compile(r"^extends:\s*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)
_shipped = False


def use_shipped(flag: bool) -> None:
    """Whether servers started from now on load the whole shipped catalog."""
    global _shipped
    _shipped = flag


def builtin_dir(workdir: Path) -> Path:
    """The directory for LATCHKEY_PROVIDERS_DIR of a server working in `workdir`."""
    override = os.environ.get("LATCHKEY_E2E_BUILTIN_PROVIDERS")
    if override and override != "none":
        return Path(override)
    if _shipped and override != "none" and SHIPPED.is_dir():
        return SHIPPED
    out = workdir / "builtin-providers"
    out.mkdir(exist_ok=True)
    if override != "none" and SHIPPED.is_dir():
        pending = list(SUBSET)
        while pending:
            pid = pending.pop()
            source = SHIPPED / f"{pid}.yaml"
            if not source.is_file() or (out / source.name).exists():
                continue
            shutil.copyfile(source, out / source.name)
            pending += _EXTENDS.findall(source.read_text())
    return out
