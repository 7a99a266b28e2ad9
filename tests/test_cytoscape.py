"""The Cytoscape export drawn by Cytoscape.js in headless Chromium, with no code but the README's line.

Cytoscape.js comes from the pinned npm tooling (clients/node_modules, `make clients`), never a
CDN. The picture is saved as build/cytoscape.png to be looked at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import SHOTS, chromium
from tests.live import ROOT, LiveServer

CYTOSCAPE_JS = ROOT / "clients" / "node_modules" / "cytoscape" / "dist" / "cytoscape.min.js"
README_BASE = "http://127.0.0.1:8000"


def _readme_line() -> str:
    """The one line the README gives for drawing the export."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [line for line in readme.splitlines() if "cytoscape({" in line]
    return line.strip()


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Distance in Cytoscape.js</title>
<style>html, body {{ margin: 0; }} #cy {{ width: 1280px; height: 1000px; }}</style>
<script src="{library}"></script></head>
<body><div id="cy"></div>
<script type="module">
{line}
cy.ready(() => {{
  const sign = cy.nodes('[type = "sign"]')[0], backfires = cy.edges('[kind = "backfires"]')[0];
  const spread = new Set(cy.nodes().map((n) => `${{Math.round(n.position("x"))}},${{Math.round(n.position("y"))}}`));
  window.drawn = {{
    nodes: cy.nodes().length, edges: cy.edges().length, spread: spread.size,
    signColour: sign.style("background-color"), signLabel: sign.style("label"), signShort: sign.data("short_label"),
    backfiresLine: backfires ? backfires.style("line-style") : null,
    kinds: [...new Set(cy.edges().map((e) => e.data("kind")))],
  }};
}});
</script></body></html>
"""


def test_cytoscape_js_draws_the_export_with_the_readme_line(shipped_server: LiveServer, tmp_path: Path) -> None:
    assert CYTOSCAPE_JS.is_file(), "run `make clients` (it installs the pinned npm tooling, Cytoscape.js included)"
    line = _readme_line()
    assert README_BASE in line
    url = re.search(r'"(http[^"]+)"', line)
    assert url is not None
    export = httpx.get(url.group(1).replace(README_BASE, shipped_server.url), timeout=30).json()
    page = tmp_path / "cytoscape.html"
    page.write_text(
        _PAGE.format(library=CYTOSCAPE_JS.as_uri(), line=line.replace(README_BASE, shipped_server.url)),
        encoding="utf-8",
    )
    with chromium() as browser:
        browser.get(page.as_uri())
        drawn: dict[str, Any] = WebDriverWait(browser, 60).until(lambda b: b.execute_script("return window.drawn"))
        assert browser.save_screenshot(str(SHOTS / "cytoscape.png"))
    elements = export["elements"]
    assert (drawn["nodes"], drawn["edges"]) == (len(elements["nodes"]), len(elements["edges"]))
    assert "mentioned_in" not in drawn["kinds"]  # the README's line leaves the article hubs out
    assert drawn["spread"] > len(elements["nodes"]) * 0.9  # laid out: the nodes do not sit on each other
    sign_rule = next(r for r in export["style"] if r["selector"] == 'node[type = "sign"]')
    assert drawn["signColour"] == _rgb(sign_rule["style"]["background-color"])
    assert drawn["signLabel"] == drawn["signShort"] != ""
    assert drawn["backfiresLine"] == "dashed"


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red},{green},{blue})"
