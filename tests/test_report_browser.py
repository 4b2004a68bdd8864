"""The HTML report opened in a real browser: headless Chromium (Debian's ``chromium``).

A copy of the report gets a tiny script that, once the page has loaded,
writes into the DOM how many ``<img>`` elements there are and how many
loaded (``complete`` with a natural width); ``--dump-dom`` then prints the
DOM.  The report itself carries no script; the copy is only for the check.
The browser runs offline (file:// URL, networking features off), so a
figure that needed the network would fail to load.

Skipped only when no Chromium binary is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mutualaid_analysis.cli.main import main

pytestmark = pytest.mark.filterwarnings("ignore::mutualaid_analysis.plots.style.FontWarning")

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHECK = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var loaded = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement("pre");
  out.id = "browser-check";
  out.textContent = JSON.stringify({
    total: imgs.length, loaded: loaded.length,
    widths: imgs.map(function (i) { return i.naturalWidth; }),
    text: document.body.innerText.length
  });
  document.body.appendChild(out);
});
</script>"""


def _browser() -> str | None:
    return next((path for b in BROWSERS if (path := shutil.which(b))), None)


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report"
    assert main(["run", "--out", str(out), "--quiet"]) == 0
    return out


def test_every_image_loads_and_the_chinese_text_is_there(report, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium binary (chromium, chromium-browser, google-chrome) on PATH; "
            ".ci/run installs Debian's chromium"
        )
    html = (report / "report.html").read_text(encoding="utf-8")
    n_img = len(re.findall(r"<img ", html))
    assert n_img >= 5
    # A copy in another folder: the report must not need the files beside it.
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", CHECK + "\n</body>"), encoding="utf-8")
    done = _chromium(
        browser, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', dom, re.S)
    assert found, "the check script did not run: " + dom[-500:]
    check = json.loads(found.group(1).replace("&quot;", '"'))
    assert check["total"] == n_img
    assert check["loaded"] == n_img, check
    assert all(w > 100 for w in check["widths"])
    # The Chinese text is in the rendered page.
    for words in (
        "农村互助养老",
        "社区层面",
        "差序格局",
        "工作坊评估",
        "数据台账",
        "亲属",
        "其他村民",
    ):
        assert words in dom, words


def test_screenshot_renders(report, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium binary (chromium, chromium-browser, google-chrome) on PATH; "
            ".ci/run installs Debian's chromium"
        )
    shot = tmp_path / "shot.png"
    done = _chromium(
        browser,
        tmp_path / "profile",
        "--window-size=1200,1600",
        f"--screenshot={shot}",
        (report / "report.html").as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[:2] == (1600, 1200)
    assert img.std() > 0.05  # not a blank page
