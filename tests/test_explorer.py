"""The demo explorer in a real browser: search → card → neighbour → guide, against a live server.

Debian's chromium and chromium-driver are installed by `make test` when missing; without them
this test fails (it never skips). It saves build/explorer.png (a card with its citations) and
build/explorer-guide.png (the guide) to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import SHOTS, chromium
from tests.live import LiveServer


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


def _wait(driver: webdriver.Chrome, css: str) -> WebElement:
    element: WebElement = WebDriverWait(driver, 20).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
    return element


def _title_is(driver: webdriver.Chrome, text: str) -> None:
    WebDriverWait(driver, 20).until(ec.text_to_be_present_in_element((By.ID, "card-title"), text))


def test_search_card_neighbour_guide(shipped_server: LiveServer, browser: webdriver.Chrome) -> None:
    with httpx.Client(base_url=shipped_server.url, timeout=10) as api:
        _click_through(api, browser, shipped_server)


def _click_through(api: httpx.Client, browser: webdriver.Chrome, shipped_server: LiveServer) -> None:
    browser.get(shipped_server.url + "/")
    assert browser.title == "Distance explorer"

    # Search, by keyboard: type and press Enter.
    box = _wait(browser, "#q")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Search the graph"
    box.send_keys("oxytocin", Keys.ENTER)
    first = _wait(browser, "#result-list button[data-node]")
    expected = api.get("/v1/search", params={"q": "oxytocin", "limit": 20}).json()["items"][0]["node"]
    assert first.get_attribute("data-node") == expected["id"]

    # The card, with citations and their article titles, exactly as the API has them.
    first.click()
    _title_is(browser, expected["label"])
    card = api.get(f"/v1/cards/{expected['id']}").json()
    quotes = browser.find_elements(By.CSS_SELECTOR, "#card .citations blockquote")
    assert len(quotes) == len(card["citations"]) > 0
    assert card["citations"][0]["quote"] in quotes[0].text
    assert card["citations"][0]["title"] in quotes[0].text

    # Click through to a neighbour: the first item of the first relation group.
    group = card["relations"][0]
    neighbour = group["items"][0]["node"]
    heading = browser.find_element(By.CSS_SELECTOR, "#card .relation h4")
    assert heading.text.lower() == group["label"].lower()
    browser.find_element(By.CSS_SELECTOR, f"#card .relation button[data-node='{neighbour['id']}']").click()
    _title_is(browser, neighbour["label"])
    neighbour_card = api.get(f"/v1/cards/{neighbour['id']}").json()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#card .citations blockquote")) == len(
        neighbour_card["citations"]
    )
    assert "null" not in browser.find_element(By.ID, "card").text
    SHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SHOTS / "explorer.png"))

    # The guide: tick two signs, ask, and see the API's ranking.
    browser.find_element(By.ID, "nav-guide").click()
    signs = api.get("/v1/signs", params={"limit": 200, "sort": "label"}).json()["items"]
    picked = [signs[0]["id"], signs[1]["id"]]
    for sign_id in picked:
        _wait(browser, f"#sign-list input[value='{sign_id}']").click()
    browser.find_element(By.ID, "guide-submit").click()
    ranked = api.get("/v1/guide", params={"signs": ",".join(picked)}).json()["reasons"]
    assert ranked, "the chosen signs indicate no reason; pick others"
    first_reason = _wait(browser, "#guide-result article.ranked")
    assert ranked[0]["reason"]["label"] in first_reason.text
    # Plain words for readers: no score, and the ranking rule only behind "How this is ranked".
    assert "score" not in browser.find_element(By.ID, "guide-result").text.lower()
    ranking = browser.find_element(By.CSS_SELECTOR, "#guide-result details.scoring")
    assert ranking.get_attribute("open") is None
    assert ranking.find_element(By.TAG_NAME, "summary").text == "How this is ranked"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#guide-result article.ranked")) == len(ranked)
    assert browser.current_url.endswith("#/guide/" + ",".join(picked))
    assert f"How: {ranked[0]['via']}" in first_reason.text  # how the reason was reached, in words
    assert browser.save_screenshot(str(SHOTS / "explorer-guide.png"))


def test_the_guide_view_says_why_a_sign_fell_back_and_what_is_aimed_at_it(
    shipped_server: LiveServer, browser: webdriver.Chrome
) -> None:
    with httpx.Client(base_url=shipped_server.url, timeout=10) as api:
        signs = [s["id"] for s in api.get("/v1/signs", params={"limit": 200}).json()["items"]]
        per_sign = {s: api.get("/v1/guide", params={"signs": s}).json()["per_sign"][0] for s in signs}
    # A sign that fell back, one with responses aimed at it and one with a verdict, when the content has them.
    fell_back = [s for s, p in per_sign.items() if p["fallback"] and not p["verdict"]][:1]
    aimed = [s for s, p in per_sign.items() if p["addressed_by"] or p["backfired_by"]][:1]
    judged = [s for s, p in per_sign.items() if p["verdict"]][:1]
    picked = list(dict.fromkeys([*judged, *fell_back, *aimed, signs[0]]))
    browser.get(f"{shipped_server.url}/#/guide/{','.join(picked)}")
    _wait(browser, "#guide-result h3")
    shown = {
        e.get_attribute("data-sign"): e.text for e in browser.find_elements(By.CSS_SELECTOR, "#guide-result .per-sign")
    }
    assert set(shown) == set(picked)  # every sign says something: a verdict, its advice, or that there is none
    for sign in picked:
        said = per_sign[sign]
        if said["verdict"]:
            assert said["verdict"]["says"] in shown[sign]
            assert shown[sign].index(said["verdict"]["says"]) < len(shown[sign]) // 2  # the verdict comes first
        if said["fallback"]:
            assert said["note"] in shown[sign]
        for item in said["addressed_by"] + said["backfired_by"]:
            assert item["node"]["label"] in shown[sign]
        for situation in said["situations"]:
            assert situation["note"] in shown[sign]
        if said["advice_note"]:
            assert said["advice_note"] in shown[sign]
    assert browser.save_screenshot(str(SHOTS / "explorer-guide-signs.png"))


def test_explorer_loads_nothing_from_elsewhere(shipped_server: LiveServer) -> None:
    """Every asset the page names is served by us (no CDN, no fonts from the internet)."""
    page = httpx.get(shipped_server.url + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for asset in ("/explorer/explorer.css", "/explorer/explorer.js"):
        assert asset in page.text
        served = httpx.get(shipped_server.url + asset, timeout=10)
        assert served.status_code == 200
        assert "://" not in served.text
    assert "://" not in page.text


def test_explorer_is_served_in_process_and_kept_out_of_the_contract(client: TestClient) -> None:
    page = client.get("/")
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert '<label for="q">' in page.text
    assert client.get("/explorer/explorer.js").headers["content-type"].startswith("text/javascript")
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/v1")]


def test_error_view_search_box_sign_limit_and_quotes(shipped_server: LiveServer, browser: webdriver.Chrome) -> None:
    """An error shows at the top of the view you are on with its suggestions as links; a card shows
    each quote in its context with a link to its passage, and never doubles a quote's own closing
    mark; another view clears a stale search; more than ten signs says so."""
    browser.get(shipped_server.url + "/#/disagreements")
    _wait(browser, "#disagreement-list article.versus")
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    browser.execute_script("location.hash = '#/node/oxytocn'")
    error = _wait(browser, "#error")
    assert "oxytocn" in error.text
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", error)
    assert 0 <= top < 200, f"the error is {top}px down the window"
    assert browser.find_element(By.ID, "disagreements").is_displayed()  # still the view you were on
    assert browser.save_screenshot(str(SHOTS / "explorer-error.png"))
    error.find_element(By.CSS_SELECTOR, "a[href='#/node/oxytocin']").click()
    _title_is(browser, "Oxytocin")
    assert not browser.find_element(By.ID, "error").is_displayed()

    quotes = [q.text for q in browser.find_elements(By.CSS_SELECTOR, "#card .citations blockquote mark")]
    assert any(q.endswith("hormone.”") for q in quotes)
    assert not any("””" in q or "““" in q for q in quotes)

    # Each quote in its context, marked, with a link to the passage that serves exactly the quote.
    cited = httpx.get(f"{shipped_server.url}/v1/cards/oxytocin", timeout=10).json()["citations"]
    shown = browser.find_elements(By.CSS_SELECTOR, "#card .citations blockquote.in-context")
    assert len(shown) == len(cited)
    for element, c in zip(shown, cited, strict=True):
        assert element.find_element(By.TAG_NAME, "mark").text == c["quote"].strip()
        assert c["context"].strip()[:40] in element.find_element(By.TAG_NAME, "p").text
        link = element.find_element(By.CSS_SELECTOR, "a.passage").get_attribute("href") or ""
        assert link == shipped_server.url + c["links"]["passage"]
    passage = httpx.get(link, timeout=10)
    assert passage.text == cited[-1]["quote"]
    assert browser.save_screenshot(str(SHOTS / "explorer-context.png"))

    box = browser.find_element(By.ID, "q")
    box.send_keys("oxytocin", Keys.ENTER)
    _wait(browser, "#result-list button[data-node]")
    browser.find_element(By.ID, "nav-guide").click()
    _wait(browser, "#sign-list input")
    assert browser.find_element(By.ID, "q").get_attribute("value") == ""

    for sign in browser.find_elements(By.CSS_SELECTOR, "#sign-list input")[:11]:
        sign.click()
    count = browser.find_element(By.ID, "sign-count")
    assert "11 signs ticked" in count.text
    assert "untick 1" in count.text
    assert not browser.find_element(By.ID, "guide-submit").is_enabled()
    browser.find_elements(By.CSS_SELECTOR, "#sign-list input:checked")[0].click()
    assert browser.find_element(By.ID, "guide-submit").is_enabled()
    assert "10 of up to 10" in browser.find_element(By.ID, "sign-count").text


def test_the_changelog_lists_the_releases_and_names_what_changed_since_one(
    seeds: Path, tmp_path: Path, browser: webdriver.Chrome
) -> None:
    """Release the tiny content, change one summary, serve it: the view names that node and field."""
    from typer.testing import CliRunner

    from api.cli import app as cli
    from tests.live import DISTANCE, free_port, serve

    assert CliRunner().invoke(cli, ["release", "--seeds", str(seeds)]).exit_code == 0
    concepts = seeds / "graph" / "concepts.yaml"
    text = concepts.read_text(encoding="utf-8")
    concepts.write_text(text.replace("A hormone tied to touch and bonding.", "A hormone of touch."), encoding="utf-8")
    port = free_port()
    command = [DISTANCE, "serve", "--seeds", str(seeds), "--host", "127.0.0.1", "--port", str(port)]
    with serve(command, port, tmp_path / "logs") as live:
        browser.get(f"{live.url}/#/changes")
        summary = _wait(browser, "#change-list .summary")
        releases = httpx.get(f"{live.url}/v1/releases").json()["items"]
        shown = browser.find_elements(By.CSS_SELECTOR, "#release-list li")
        assert [li.get_attribute("data-version") for li in shown] == [r["content_version"] for r in releases]
        assert "served now" not in shown[0].text  # the content served is not that release any more
        assert summary.text == "0 added, 1 changed, 0 removed."
        [change] = browser.find_elements(By.CSS_SELECTOR, "#change-list li.change")
        assert change.text.lower() == "changed oxytocin concept: summary"  # the badge is set in capitals
        assert browser.find_element(By.ID, "nav-changes").get_attribute("aria-current") == "page"
        assert browser.save_screenshot(str(SHOTS / "explorer-changes.png"))
        change.find_element(By.CSS_SELECTOR, "a").click()
        _title_is(browser, "Oxytocin")


def test_every_route_the_readme_documents_works_and_any_other_shows_links(
    shipped_server: LiveServer, browser: webdriver.Chrome
) -> None:
    """Query-string forms work like path forms; an unknown or incomplete route is an error with a link
    to every view, never the start page shown silently."""
    with httpx.Client(base_url=shipped_server.url, timeout=10) as api:
        signs = [s["id"] for s in api.get("/v1/signs", params={"limit": 2}).json()["items"]]
        ranked = api.get("/v1/guide", params={"signs": ",".join(signs)}).json()["reasons"]
        hit = api.get("/v1/search", params={"q": "oxytocin", "limit": 20}).json()["items"][0]["node"]

    browser.get(f"{shipped_server.url}/#/guide?signs={','.join(signs)}")
    _wait(browser, "#guide-result article.ranked")
    shown = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#guide-result article.ranked h3 a")]
    assert shown == [r["reason"]["label"] for r in ranked]
    assert [b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "#sign-list input:checked")] == (
        sorted(signs, key=signs.index)
    )
    browser.find_element(By.CSS_SELECTOR, "#guide-result details.scoring summary").click()
    assert "indicates" in browser.find_element(By.CSS_SELECTOR, "#guide-result details.scoring p").text
    assert browser.save_screenshot(str(SHOTS / "explorer-guide-query.png"))

    browser.get(f"{shipped_server.url}/#/search?q=oxytocin")
    assert _wait(browser, "#result-list button[data-node]").get_attribute("data-node") == hit["id"]
    assert browser.find_element(By.ID, "q").get_attribute("value") == "oxytocin"

    views = {
        "#/",
        "#/ask?q=will+he+come+back",
        "#/search?q=oxytocin",
        "#/node/oxytocin",
        "#/guide",
        "#/disagreements",
        "#/changes",
    }
    for route, words in [
        ("#/nonsense", "no view called “nonsense”"),
        ("#/search?q=", "A search needs words"),
        ("#/node", "A card needs a node id"),
        ("#/ask?q=", "An answer needs a message"),
    ]:
        browser.get(f"{shipped_server.url}/{route}")
        error = _wait(browser, "#error")
        assert words in error.text
        anchors = error.find_elements(By.TAG_NAME, "a")
        assert {(a.get_attribute("href") or "").removeprefix(shipped_server.url + "/") for a in anchors} == views
        assert not browser.find_element(By.ID, "welcome").is_displayed()
        if route == "#/nonsense":
            assert browser.save_screenshot(str(SHOTS / "explorer-route-error.png"))

    browser.get(f"{shipped_server.url}/#/guide?signs=not-a-sign")
    error = _wait(browser, "#error")
    assert "not-a-sign" in error.text
    assert error.find_element(By.CSS_SELECTOR, "a[href='#/guide']").text == "Pick signs from the list."
    assert browser.find_element(By.ID, "guide").is_displayed()
    assert browser.find_element(By.ID, "guide-result").text == ""  # no answer left from the signs before
    assert browser.save_screenshot(str(SHOTS / "explorer-guide-error.png"))


def test_the_start_is_an_ask_box_answering_in_plain_words_with_linked_quotes(
    shipped_server: LiveServer, browser: webdriver.Chrome
) -> None:
    message = "He hasn't texted me in four days since we slept together. Should I text him?"
    with httpx.Client(base_url=shipped_server.url, timeout=10) as api:
        expected = api.get("/v1/answer", params={"q": message}).json()
        declined = api.get("/v1/answer", params={"q": "my dog doesn't like my boyfriend"}).json()

    browser.get(shipped_server.url + "/")
    box = _wait(browser, "#ask-q")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=ask-q]").text == "What is going on?"
    box.send_keys(message)
    browser.find_element(By.CSS_SELECTOR, "#ask-form button[type=submit]").click()
    _wait(browser, "#answer .answer-section")
    headings = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#answer .answer-section h3")]
    assert headings == [s["heading"] for s in expected["sections"]]
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#answer blockquote cite a")]
    cited = [c["links"]["passage"] for s in expected["sections"] for i in s["items"] for c in i["citations"]]
    assert links == [shipped_server.url + path for path in cited]
    text = browser.find_element(By.ID, "answer").text
    assert "score" not in text.lower()
    assert expected["sections"][0]["items"][0]["node"]["label"] in text
    assert "#/ask?q=" in browser.current_url
    assert browser.save_screenshot(str(SHOTS / "explorer-ask.png"))

    with httpx.Client(timeout=10) as plain:  # a quote's link is its passage, word for word
        first = expected["sections"][0]["items"][0]["citations"][0]
        assert plain.get(shipped_server.url + first["links"]["passage"]).text == first["quote"]

    browser.get(shipped_server.url + "/#/ask?q=my%20dog%20doesn%27t%20like%20my%20boyfriend")
    assert _wait(browser, "#answer .declined").text == declined["note"]
    assert browser.find_elements(By.CSS_SELECTOR, "#answer .answer-section") == []
    assert browser.save_screenshot(str(SHOTS / "explorer-ask-declined.png"))


def test_the_readme_documents_every_explorer_route() -> None:
    """Each view the router knows has a row in the README's table of the explorer's routes."""
    import re

    from tests.live import ROOT

    views = set(
        re.findall(r'view === "(\w+)"', (ROOT / "api" / "explorer" / "explorer.js").read_text(encoding="utf-8"))
    )
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### The explorer") :]
    assert {"search", "node", "guide", "disagreements", "changes"} <= views
    assert [v for v in sorted(views) if f"`/#/{v}" not in table] == []
