// Distance explorer: a small client of the public /v1 API, no build step, no dependencies.
// Views are addressed by the URL hash so the back button and shared links work (README, "The explorer"):
//   #/search/<q> or #/search?q=<q>   #/node/<id>   #/guide, #/guide/<sign,sign> or #/guide?signs=<sign,sign>
//   #/disagreements   #/changes[/<version>]   #/ask?q=<message>   (#/ and no hash: the start, an Ask box)
// Any other hash, or one of these without what it needs, shows an error with links to every view.
"use strict";

const API = "/v1";
const $ = (id) => document.getElementById(id);
const PANELS = ["results", "card", "guide", "disagreements", "changes", "welcome"];
const NAV = { guide: "nav-guide", disagreements: "nav-disagreements", changes: "nav-changes" };
let signsLoaded = null;

// Build an element from a tag, attributes and children (strings become text: nothing is parsed as HTML).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  return fill(el, ...children);
}

// Put children (elements, strings, nested arrays; null and undefined skipped) into `el`, replacing what was there.
function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

async function get(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.detail || `${response.status} ${body.title || ""}`);
    error.suggestions = body.suggestions || [];
    throw error;
  }
  return body;
}

function show(...visible) {
  for (const id of PANELS) $(id).hidden = !visible.includes(id);
  $("error").hidden = true;
  const { view } = parseHash(location.hash);
  if (view !== "search") $("q").value = ""; // a search from another view is stale here
  for (const [name, id] of Object.entries(NAV)) $(id).toggleAttribute("aria-current", name === view);
  if (NAV[view]) $(NAV[view]).setAttribute("aria-current", "page");
}

// An error shows at the top of the view you are on, its suggestions as links to try.
function fail(error) {
  const suggestions = error.suggestions || [];
  fill(
    $("error"),
    // The API's "; did you mean a, b?" becomes the links themselves.
    h("span", {}, `Something went wrong: ${suggestions.length ? error.message.replace(/; did you mean .*$/, "") : error.message}.`),
    suggestions.length
      ? h("span", { class: "suggestions" }, " Did you mean ", suggestions.map((id, i) => [i ? ", " : "", h("a", { href: `#/node/${id}` }, id)]), "?")
      : null,
  );
  $("error").hidden = false;
  $("error").scrollIntoView({ block: "start" });
}

function typeBadge(node) {
  const warned = node.advice === "warned_against";
  const text = node.type === "response" ? (warned ? "warned against" : "recommended") : node.type;
  return h("span", { class: `type ${node.type}${warned ? " dont" : ""}` }, text);
}

function nodeButton(node, extra) {
  return h(
    "button",
    { type: "button", class: "chip", "data-node": node.id, onclick: () => go(`#/node/${node.id}`) },
    typeBadge(node),
    h("span", {}, node.label),
    extra || null,
  );
}

// The blockquote marks the quotation, so the words stand as the article has them: no quote marks
// are added around them, and none doubles one the quote ends with (“…the cuddle hormone.”).
function citation(c) {
  const by = c.author ? ` by ${c.author}` : "";
  return h("blockquote", { class: "citation" }, h("p", {}, c.quote), h("cite", {}, `${c.title}${by} (article ${c.source})`));
}

// A card's quote in its context: the sentence around it with the quote marked, and a link to the
// passage itself (the article's text from the quote's start to its end, as the API serves it).
function quoteInContext(c) {
  const by = c.author ? ` by ${c.author}` : "";
  const at = (c.context || "").indexOf(c.quote);
  const words =
    at < 0
      ? [h("mark", {}, c.quote), c.context ? h("span", { class: "context" }, ` (in: ${c.context})`) : null]
      : [c.context.slice(0, at), h("mark", {}, c.quote), c.context.slice(at + c.quote.length)];
  return h(
    "blockquote",
    { class: "citation in-context" },
    h("p", {}, words),
    h(
      "cite",
      {},
      `${c.title}${by} (article ${c.source}) · `,
      h("a", { href: c.links.passage, class: "passage" }, "the passage"),
    ),
  );
}

// ---- views -------------------------------------------------------------------------------

async function searchView(q) {
  $("q").value = q;
  const body = await get(`/search?q=${encodeURIComponent(q)}&limit=20`);
  const list = $("result-list");
  fill(
    list,
    body.items.map((hit) => h("li", {}, nodeButton(hit.node, h("span", { class: "snippet" }, hit.snippet)))),
  );
  if (!body.items.length) list.append(h("li", { class: "hint" }, `Nothing matches “${q}”.`));
  show("results");
  $("results").querySelector("h2").textContent = `Results for “${q}” (${body.total})`;
}

async function cardView(id) {
  const card = await get(`/cards/${encodeURIComponent(id)}`);
  const node = card.node;
  const facts = [];
  if (node.category) facts.push(`category: ${node.category}`);
  if (node.group) facts.push(`group: ${node.group}`);
  if (node.value) facts.push(`${node.value} ${node.unit || ""}`.trim());
  if (node.aliases && node.aliases.length) facts.push(`also: ${node.aliases.join(", ")}`);
  const section = $("card");
  fill(
    section,
    h("p", {}, typeBadge(node)),
    h("h2", { id: "card-title", tabindex: "-1" }, node.label),
    h("p", { class: "summary" }, node.summary),
    facts.length ? h("p", { class: "meta" }, facts.join(" · ")) : null,
    h("h3", {}, `Cited from the articles (${card.citations.length})`),
    h("div", { class: "citations" }, card.citations.map(quoteInContext)),
    h("h3", {}, "Connected ideas"),
    card.relations.length
      ? h(
          "div",
          { class: "relations" },
          card.relations.map((group) =>
            h(
              "section",
              { class: "relation", "aria-label": group.label },
              h("h4", {}, group.label),
              h("ul", {}, group.items.map((item) => h("li", {}, nodeButton(item.node)))),
            ),
          ),
        )
      : h("p", { class: "hint" }, "No connections."),
    node.type === "sign"
      ? h("p", {}, h("a", { href: `#/guide/${node.id}` }, "What this sign may mean →"))
      : null,
  );
  show("card");
  document.title = `${node.label} · Distance explorer`;
  $("card-title").focus();
}

async function loadSigns() {
  if (!signsLoaded) {
    signsLoaded = get("/signs?limit=200&sort=label").then((body) => {
      fill(
        $("sign-list"),
        body.items.map((sign) =>
          h(
            "label",
            { title: sign.summary },
            h("input", { type: "checkbox", name: "sign", value: sign.id, "aria-describedby": `sign-${sign.id}` }),
            h("span", { id: `sign-${sign.id}` }, sign.label),
          ),
        ),
      );
    });
  }
  return signsLoaded;
}

const MAX_SIGNS = 10;

// Ticking more than the guide reads says so, and the button waits until some are unticked.
function countSigns() {
  const ticked = document.querySelectorAll("#sign-list input:checked").length;
  const over = ticked - MAX_SIGNS;
  $("sign-count").textContent =
    over > 0 ? `${ticked} signs ticked: the guide reads up to ${MAX_SIGNS}, untick ${over}.` : `${ticked} of up to ${MAX_SIGNS} signs ticked.`;
  $("sign-count").classList.toggle("over", over > 0);
  $("guide-submit").disabled = over > 0;
}

async function guideView(signs) {
  show("guide");
  await loadSigns();
  const boxes = [...document.querySelectorAll("#sign-list input")];
  for (const box of boxes) box.checked = signs.includes(box.value);
  countSigns();
  const out = $("guide-result");
  out.replaceChildren(); // never the answer for other signs under an error for these
  if (!signs.length) return;
  const body = await get(`/guide?signs=${signs.map(encodeURIComponent).join(",")}`);
  const labels = Object.fromEntries(body.signs.map((s) => [s.id, s.label]));
  fill(
    out,
    h("h3", {}, `What ${body.signs.length === 1 ? "this sign points" : "these signs point"} to`),
    // How the ranking works is there for whoever asks, not in the reader's way.
    h("details", { class: "scoring" }, h("summary", {}, "How this is ranked"), h("p", {}, body.scoring)),
    body.per_sign.map((ps) => signNotes(ps, labels[ps.sign])),
    body.reasons.length ? null : h("p", { class: "hint" }, "None of the articles ties these signs to a reason."),
    body.reasons.map((r, i) =>
      h(
        "article",
        { class: "ranked", "aria-label": r.reason.label },
        h(
          "h3",
          {},
          h("span", {}, `${i + 1}.`),
          h("a", { href: `#/node/${r.reason.id}` }, r.reason.label),
        ),
        h("p", {}, r.reason.summary),
        h("p", { class: "via" }, `How: ${r.via}`),
        r.because.map((b) =>
          h(
            "div",
            { class: "because" },
            h("p", { class: "meta" }, `Because you noticed “${labels[b.sign]}”` + (b.note ? `: ${b.note}` : "")),
            b.citations.map(citation),
          ),
        ),
        r.addressed_by.length
          ? h("div", { class: "helps" }, h("h4", {}, "What helps"), h("ul", {}, r.addressed_by.map((x) => h("li", {}, nodeButton(x.node)))))
          : null,
        r.backfired_by.length
          ? h("div", { class: "backfires" }, h("h4", {}, "What backfires"), h("ul", {}, r.backfired_by.map((x) => h("li", {}, nodeButton(x.node)))))
          : null,
      ),
    ),
  );
}

// What the guide says of one given sign itself: first the articles' verdict on it (healthy, a
// pattern to address, a case for support) with its quotes, why it fell back (no article ties it
// to a reason directly), the responses aimed at the sign, then the advice written for the
// situation it belongs to, or that the articles give none.
function signNotes(ps, label) {
  const aimed = (title, items) =>
    items.length ? h("p", { class: "meta" }, `${title} “${label}” itself: `, items.map((x) => nodeButton(x.node))) : null;
  const listed = (title, items) =>
    items.length ? h("p", { class: "meta" }, `${title}: `, items.map((x) => nodeButton(x.node))) : null;
  return h(
    "div",
    { class: "per-sign", "data-sign": ps.sign },
    ps.verdict
      ? h(
          "div",
          { class: `verdict ${ps.verdict.kind}` },
          h("p", {}, h("strong", {}, `“${label}”: `), ps.verdict.says),
          ps.verdict.citations.map(citation),
        )
      : null,
    ps.fallback ? h("p", { class: "hint fallback" }, ps.note) : null,
    aimed("What helps with", ps.addressed_by),
    aimed("What backfires on", ps.backfired_by),
    ps.situations.map((s) =>
      h(
        "div",
        { class: "situation" },
        h("p", { class: "hint" }, s.note),
        listed("What helps", s.addressed_by),
        listed("What backfires", s.backfired_by),
      ),
    ),
    ps.advice_note ? h("p", { class: "hint" }, ps.advice_note) : null,
  );
}

async function disagreementsView() {
  const body = await get("/disagreements");
  fill(
    $("disagreement-list"),
    h("p", { class: "hint" }, `${body.total} places where the articles do not agree; both sides are quoted, neither is smoothed over.`),
    body.items.map((d) =>
      h(
        "article",
        { class: "versus" },
        h("h3", {}, d.about),
        h(
          "div",
          { class: "sides" },
          d.sides.map((side) =>
            h("div", { class: "side" }, nodeButton(side.node), h("p", {}, side.node.summary), side.citations.slice(0, 2).map(citation)),
          ),
        ),
      ),
    ),
  );
  show("disagreements");
}

// The changelog: the releases, newest first, and what changed since the one picked (the newest by default).
async function changesView(version) {
  const releases = await get("/releases?limit=200");
  const since = version || (releases.items[0] && releases.items[0].content_version);
  const short = (v) => v.slice(0, 12);
  fill(
    $("release-list"),
    releases.items.length ? null : h("li", { class: "hint" }, "No release is recorded yet (`distance release` records one)."),
    releases.items.map((r) =>
      h(
        "li",
        { class: r.content_version === since ? "picked" : null, "data-version": r.content_version },
        h("a", { href: `#/changes/${r.content_version}` }, `Release ${short(r.content_version)}`),
        ` of ${r.released_at.slice(0, 10)}: ${r.nodes} nodes, ${r.edges} edges`,
        r.served ? h("strong", {}, " (served now)") : null,
      ),
    ),
  );
  if (!since) {
    fill($("change-list"));
    show("changes");
    return;
  }
  const body = await get(`/changes?since=${encodeURIComponent(since)}&limit=200`);
  const { added, changed, removed } = body.facets.change;
  const served = body.served.released && body.served.content_version === since;
  fill(
    $("change-list"),
    h("h3", {}, `Since release ${short(since)}`),
    h(
      "p",
      { class: "summary" },
      body.total
        ? `${added} added, ${changed} changed, ${removed} removed` + (body.total > body.items.length ? ` (the first ${body.items.length} shown)` : "") + "."
        : served
          ? "What is served is this release: nothing has changed since."
          : "Nothing has changed since.",
    ),
    body.items.length
      ? h(
          "ul",
          { class: "changes" },
          body.items.map((c) =>
            h(
              "li",
              { class: `change ${c.change}` },
              h("span", { class: `badge ${c.change}` }, c.change),
              " ",
              c.resource === "node" && c.change !== "removed"
                ? h("a", { href: `#/node/${c.id}` }, c.label || c.id)
                : h("span", {}, c.label || c.id),
              h("span", { class: "meta" }, ` ${c.resource === "node" ? c.type : c.kind}`),
              c.fields && c.fields.length ? h("span", { class: "fields" }, `: ${c.fields.join(", ")}`) : null,
            ),
          ),
        )
      : null,
  );
  show("changes");
}

// ---- ask: a reader's message answered from the articles ----------------------------------

// One citation: the quote, the article it is from, and a link to the passage in the article's text.
function quoteView(c) {
  return h(
    "blockquote",
    { class: "quote" },
    h("p", {}, `“${c.quote}”`),
    h("cite", {}, h("a", { href: c.links.passage, title: "Read the passage in the article" }, c.title)),
  );
}

function answerItem(item) {
  const what = item.verdict ? item.verdict.says : item.purpose ? item.purpose[0].toUpperCase() + item.purpose.slice(1) + "." : null;
  return h(
    "li",
    { class: "answer-item" },
    h("a", { href: `#/node/${item.node.id}`, class: "item-label" }, item.node.label),
    what ? h("p", { class: "item-what" }, what) : null,
    item.citations.map(quoteView),
  );
}

// The two sides of each disagreement under what they disagree on.
function sidesView(items) {
  const pairs = [];
  for (let i = 0; i + 1 < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
  return pairs.map(([one, other]) =>
    h("div", { class: "sides" }, h("p", { class: "about" }, one.about), h("ul", { class: "answer-items two" }, answerItem(one), answerItem(other))),
  );
}

async function askView(q) {
  show("welcome");
  $("ask-q").value = q;
  const body = await get(`/answer?q=${encodeURIComponent(q)}`);
  fill(
    $("answer"),
    body.answered
      ? body.sections.map((section) =>
          h(
            "section",
            { class: `answer-section ${section.name}`, "data-section": section.name },
            h("h3", {}, section.heading),
            section.name === "sides" ? sidesView(section.items) : h("ul", { class: "answer-items" }, section.items.map(answerItem)),
          ),
        )
      : h("p", { class: "declined" }, body.note),
  );
}

// ---- routing -----------------------------------------------------------------------------

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// A hash as a view, its path argument and its query: `#/guide/a,b` and `#/guide?signs=a,b` alike.
function parseHash(hash) {
  const [path, query = ""] = hash.replace(/^#/, "").split("?");
  const [, view = "", ...rest] = path.split("/");
  return { view, arg: decodeURIComponent(rest.join("/")), params: new URLSearchParams(query) };
}

const VIEWS = [
  ["#/", "the start"],
  ["#/ask?q=will+he+come+back", "an answer"],
  ["#/search?q=oxytocin", "a search"],
  ["#/node/oxytocin", "a card"],
  ["#/guide", "the signs guide"],
  ["#/disagreements", "where the articles disagree"],
  ["#/changes", "what changed"],
];

// A route the explorer cannot show: say why, and link every view instead of guessing one.
function routeError(message) {
  show();
  fill(
    $("error"),
    h("span", {}, `${message} `),
    h("span", { class: "suggestions" }, "Try ", VIEWS.map(([href, text], i) => [i ? ", " : "", h("a", { href }, text)]), "."),
  );
  $("error").hidden = false;
}

async function route() {
  const { view, arg, params } = parseHash(location.hash);
  const signs = (arg || params.getAll("signs").join(",")).split(",").filter(Boolean);
  try {
    if (view === "search") {
      const q = arg || params.get("q") || "";
      if (!q.trim()) return routeError("A search needs words to look for: #/search/<words> or #/search?q=<words>.");
      await searchView(q);
    } else if (view === "node") {
      if (!arg) return routeError("A card needs a node id: #/node/<id>.");
      await cardView(arg);
    } else if (view === "guide") await guideView(signs);
    else if (view === "disagreements") await disagreementsView();
    else if (view === "changes") await changesView(arg);
    else if (view === "ask") {
      const q = arg || params.get("q") || "";
      if (!q.trim()) return routeError("An answer needs a message: #/ask?q=<your message>.");
      await askView(q);
    } else if (view === "") {
      show("welcome");
      fill($("answer"));
    }
    else routeError(`There is no view called “${view}” in the explorer.`);
  } catch (error) {
    if (view === "guide") error.suggestions = []; // the sign list below is where to pick again
    fail(error);
    if (view === "guide") $("error").append(" ", h("a", { href: "#/guide" }, "Pick signs from the list."));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = $("q").value.trim();
    if (q) go(`#/search/${encodeURIComponent(q)}`);
  });
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const q = $("ask-q").value.trim();
    if (q) go(`#/ask?q=${encodeURIComponent(q)}`);
  });
  $("guide-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = [...document.querySelectorAll("#sign-list input:checked")].map((box) => box.value);
    if (picked.length > MAX_SIGNS) return countSigns();
    go(`#/guide/${picked.join(",")}`);
  });
  $("sign-list").addEventListener("change", countSigns);
  window.addEventListener("hashchange", route);
  route();
});
