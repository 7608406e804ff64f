"""The built-in catalog must load: a server never starts on an invalid catalog (SPEC §2)."""

from __future__ import annotations

import subprocess

from harness import REPO_ROOT, latchkey_binary


def test_builtin_provider_catalog_passes_providers_check(tmp_path):
    providers = REPO_ROOT / "providers"
    assert latchkey_binary().exists(), f"no binary at {latchkey_binary()}"
    cp = subprocess.run(
        [str(latchkey_binary()), "providers", "check", str(providers)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LATCHKEY_PROVIDERS_DIR": str(providers)},
    )
    assert cp.returncode == 0, (
        f"`latchkey providers check {providers}` exited {cp.returncode}:\n{cp.stdout}\n{cp.stderr}"
    )
