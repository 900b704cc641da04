"""Hostile strings in every free-text field, then every page as every kind of user: nothing may run.

The guard of issue 12's stored XSS. `hostile.plant` writes `<svg onload=…>`, `<img onerror=…>` and
`<script>` payloads into every free-text field the API accepts (discovered from the OpenAPI schema)
as an enterprise officer, a county and the city, and into the text only the platform writes. Then
each viewer (city, county, enterprise officer, the public) opens every page Django's URL resolver
knows (every route without parameters, and each route with one, filled with a record holding
hostile text), hovers every Leaflet feature and opens its tooltip and popup, shows every ECharts
tooltip, and the test fails on a dialog, a title set by a payload, a Content-Security-Policy
violation, an element with an on* handler, a script error or a 5xx, naming the page and the field
the payload came from. A new field, route or page is covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import COUNTY_A
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import sign_in
from tests.browser.hostile import MARK, Planted, Role, api_role, model_for, plant
from yingji.core import roles
from yingji.core.models import Region, User
from yingji.enterprises.models import Enterprise

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="plants hostile text through every write route, then opens every page"),
]

# Before any page script: catch Leaflet maps as they are made, count requests in flight, and keep
# every Content-Security-Policy violation.
WATCH = """
(() => {
  window.__maps = [];
  window.__csp = [];
  window.__pending = 0;
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "") + " " + (event.sample || ""));
  });
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (value && value.Map && !value.__watched) {
        value.__watched = true;
        value.Map.addInitHook(function () { window.__maps.push(this); });
      }
    },
  });
  const fetch = window.fetch;
  window.fetch = function (...args) {
    window.__pending += 1;
    return fetch.apply(this, args).finally(() => setTimeout(() => { window.__pending -= 1; }, 50));
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    window.__pending += 1;
    this.addEventListener("loadend", () => setTimeout(() => { window.__pending -= 1; }, 50));
    return send.apply(this, args);
  };
})();
"""

# Hover every feature of every map and open its tooltip and popup, show every chart tooltip; then
# read what the page shows.
PROBE = """
async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  let layers = 0, tips = 0;
  for (const map of window.__maps) {
    const all = [];
    map.eachLayer((layer) => all.push(layer));
    for (const layer of all) {
      layers += 1;
      layer.fire("mouseover");  // what a hover does: a sticky tooltip, a highlight
      layer.fire("mouseout");
      if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); }
      if (layer.getPopup && layer.getPopup()) { layer.openPopup(); layer.closePopup(); }
    }
  }
  if (window.echarts) {
    for (const element of document.querySelectorAll("[_echarts_instance_]")) {
      const chart = window.echarts.getInstanceByDom(element);
      if (!chart) { continue; }
      (chart.getOption().series || []).forEach((series, seriesIndex) => {
        const n = (series.data || []).length;
        const step = Math.max(1, Math.floor(n / 40));
        for (let dataIndex = 0; dataIndex < n; dataIndex += step) {
          chart.dispatchAction({ type: "showTip", seriesIndex, dataIndex });
          tips += 1;
        }
      });
    }
  }
  await frame(); await frame();
  const handlers = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (/^on/i.test(attribute.name)) {
        handlers.push("<" + element.tagName.toLowerCase() + " " + attribute.name + ">");
      }
    }
  }
  const tooltips = Array.from(document.querySelectorAll(".leaflet-tooltip, .leaflet-popup-content"))
    .map((element) => element.textContent);
  const text = document.body.innerText;
  return { title: document.title, csp: window.__csp, handlers, layers, tips, text, tooltips };
}
"""


@dataclass
class Findings:
    """What went wrong on which page, and how much was looked at."""

    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    pages_showing_text: list[str] = field(default_factory=list)
    tooltips_showing_text: int = 0
    layers: int = 0
    chart_tips: int = 0


def page_routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every page route of Django's URL resolver, less the API (its docs page has its own test below)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("api/"):
            continue
        if isinstance(entry, URLResolver):
            yield from page_routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$")


ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def models_for_route(route: str) -> list[Any]:
    """The models a route's one parameter may name, likeliest first: by the parameter's name
    (`enterprise_id`), by the path part before it (`points/<pk>` → RiskPoint), then every model
    of the app the route's first part names (`major-hazards/<pk>` → the majorhazards app)."""
    name = ROUTE_PARAMETER.findall(route)[0]
    parts = [part for part in route.strip("/").split("/") if part and not ROUTE_PARAMETER.search(part)]
    before = route[: route.index("<")].strip("/").split("/")[-1] if "<" in route else ""
    found = [model_for(name), model_for(before.rstrip("s").replace("-", "_")) if before else None]
    app = parts[0].replace("-", "") if parts else ""
    found += [model for model in apps.get_models() if model._meta.app_label == app]
    unique: list[Any] = []
    for model in found:
        if model is not None and model not in unique:
            unique.append(model)
    return unique


def candidates(route: str, planted: Planted) -> list[str]:
    """URLs of a route: itself without parameters, else filled with records holding hostile text."""
    names = ROUTE_PARAMETER.findall(route)
    if not names:
        return [route]
    if len(names) > 1:
        return []
    labels = ["core.Region"] if names[0] == "code" else [m._meta.label for m in models_for_route(route)]
    return [ROUTE_PARAMETER.sub(str(pk), route) for label in labels for pk in planted.records_of(label)[:25]]


def html_pages(viewer: Any, planted: Planted) -> list[str]:
    """The pages the viewer may open: each route once, with the first record of it they may see.

    A page the public may open is the public viewer's: it shows everyone the same.
    """
    public = Client()
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    pages = []
    for route in page_routes():
        for url in candidates(route, planted)[:60]:
            if viewer is not None and is_html(public.get(url)):
                break
            if is_html(client.get(url)):
                pages.append(url)
                break
    return pages


def is_html(answer: Any) -> bool:
    return answer.status_code == 200 and answer["Content-Type"].startswith("text/html")


@dataclass
class Events:
    """What the browser reported while one page was open."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def listen(self, page: Any) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "response", lambda r: self.failures.append(f"{r.status} {r.url}") if r.status >= 500 else None
        )

    def take(self) -> tuple[list[str], list[str], list[str]]:
        taken = (self.dialogs[:], self.errors[:], self.failures[:])
        self.dialogs.clear(), self.errors.clear(), self.failures.clear()
        return taken


def visit(page: Any, events: Events, url: str, planted: Planted, findings: Findings) -> None:
    page.goto(page.base_url + url, wait_until="load")
    try:
        page.wait_for_function("() => window.__pending === 0", timeout=30_000)
    except PlaywrightTimeout:
        findings.problems.append(f"{url}: still loading after 30 s, not checked")
        return
    result = page.evaluate(PROBE)
    dialogs, errors, failures = events.take()
    findings.pages.append(url)
    findings.layers += result["layers"]
    findings.chart_tips += result["tips"]
    if MARK in result["text"]:
        findings.pages_showing_text.append(url)
    findings.tooltips_showing_text += sum(MARK in text for text in result["tooltips"])

    def named(text: str) -> str:
        tags = sorted(set(re.findall(rf"{MARK}\d+", text)))
        return "; ".join(f"{tag} = {planted.tags.get(tag, '?')}" for tag in tags)

    for message in dialogs:
        findings.problems.append(f"{url}: a dialog opened: {message!r} ({named(message)})")
    if re.fullmatch(rf"{MARK}\d+", result["title"]):  # the payloads set the title to their tag
        findings.problems.append(
            f"{url}: a script changed the title to {result['title']!r} ({named(result['title'])})"
        )
    for violation in result["csp"]:
        findings.problems.append(
            f"{url}: Content-Security-Policy violation: {violation} ({named(violation)})"
        )
    for handler in sorted(set(result["handlers"])):
        findings.problems.append(f"{url}: an element with an event handler: {handler}")
    for error in errors:
        findings.problems.append(f"{url}: script error: {error}")
    for failure in failures:
        findings.problems.append(f"{url}: server error: {failure}")


def the_enterprise() -> Enterprise:
    """The county's enterprise with the most kinds of records (risk points, sensors, hazards …), located."""
    relations = [relation for relation in Enterprise._meta.related_objects if relation.one_to_many]

    def richness(enterprise: Enterprise) -> tuple[int, int]:
        counts = [getattr(enterprise, relation.get_accessor_name()).count() for relation in relations]
        return sum(1 for n in counts if n), sum(counts)

    located = Enterprise.objects.filter(region__path__contains=f"/{COUNTY_A}/", longitude__isnull=False)
    return max(located.order_by("pk"), key=richness)


def writers_and_viewers(api_client: Any) -> tuple[list[Role], dict[str, Any]]:
    """The enterprise officer, the county and the city, as API writers (in that order) and as viewers."""
    enterprise = the_enterprise()
    officers = User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id)
    users = {
        "enterprise": officers.order_by("pk").first(),
        "county": User.objects.get(username=f"demo-county-{COUNTY_A}"),
        "city": User.objects.get(username="demo-city"),
    }
    county = Region.objects.get(code=COUNTY_A)
    places = {
        "enterprise": (enterprise.longitude, enterprise.latitude),
        "county": (county.centroid_lon, county.centroid_lat),
        "city": (county.centroid_lon, county.centroid_lat),
    }
    return [api_role(name, user, api_client, places[name]) for name, user in users.items()], users


VIEWERS = ("city", "county", "enterprise", "public")


def test_no_hostile_string_runs_on_any_page(
    browser: Any, live_server: Any, demo: None, api_client: Any
) -> None:
    """Planted once (viewers only read), then crawled as each viewer in a browser context of its own."""
    writers, users = writers_and_viewers(api_client)
    planted = plant(writers, list(users.values()))
    assert not planted.unexercised, (
        "write routes with free-text fields that no role could carry out (see tests/browser/hostile.py): "
        f"{planted.unexercised}"
    )
    problems: list[str] = []
    for viewer_name in VIEWERS:
        viewer = users.get(viewer_name)
        findings = crawl(browser, live_server.url, viewer, html_pages(viewer, planted), planted)
        problems += [f"[{viewer_name}] {problem}" for problem in findings.problems]
        # The crawl saw what it was meant to: hostile text shown as text, in pages and in map tooltips.
        assert findings.pages_showing_text, f"{viewer_name}: no page showed the text: {findings.pages}"
        if viewer is not None:
            assert findings.layers and findings.tooltips_showing_text, (viewer_name, findings)
    assert not problems, "\n".join(problems)


def crawl(browser: Any, base_url: str, viewer: Any, pages: list[str], planted: Planted) -> Findings:
    """Open every page as the viewer (None: the public) in a browser of its own."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.base_url = base_url
    events = Events()
    events.listen(page)
    findings = Findings()
    try:
        if viewer is not None:
            sign_in(page, viewer.username)
            events.take()
        for url in pages:
            visit(page, events, url, planted, findings)
    finally:
        context.close()
    return findings


def test_the_api_docs_page_runs_under_the_policy(browser: Any, live_server: Any, demo: None) -> None:
    """The one page the crawl leaves out (it shows the schema, no data): Swagger UI under the policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.base_url = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, "demo-city")
        page.goto(page.base_url + "/api/v1/docs")
        page.locator(".swagger-ui .opblock").first.wait_for(timeout=30_000)
        assert page.locator(".swagger-ui .opblock").count() > 100  # every operation is listed
        assert page.evaluate("() => window.__csp") == []
        assert errors == []
    finally:
        context.close()
