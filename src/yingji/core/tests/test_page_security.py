"""Pages and scripts: the Content-Security-Policy on every response, no inline script or handler in
any template, no HTML built from data in any script, and a CSRF cookie that scripts cannot read.

The template and script checks read every file under src/, so a new domain's pages are held to the
same rules the day they are added (docs/security.md, "Pages and scripts").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

SOURCE = Path(__file__).resolve().parents[2]  # src/yingji
TEMPLATES = sorted(SOURCE.glob("*/templates/**/*.html"))
SCRIPTS = sorted(p for p in SOURCE.glob("*/static/**/*.js") if "vendor" not in p.relative_to(SOURCE).parts)

TAG = re.compile(r"<[a-zA-Z][^>]*>", re.DOTALL)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def _relative(file: Path) -> str:
    return str(file.relative_to(SOURCE))


def test_the_checks_read_every_template_and_script() -> None:
    assert len(TEMPLATES) > 50 and SOURCE / "core/templates/core/base.html" in TEMPLATES
    assert SOURCE / "core/static/core/map.js" in SCRIPTS
    assert not any("vendor" in str(script) for script in SCRIPTS)


@pytest.mark.parametrize("template", TEMPLATES, ids=_relative)
def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url(template: Path) -> None:
    text = template.read_text()
    inline = [match.group(0)[:80] for match in SCRIPT_TAG.finditer(text) if match.group(2).strip()]
    assert not inline, f"inline script (put it in a static .js file; data via json_script): {inline}"
    sourceless = [m.group(0) for m in SCRIPT_TAG.finditer(text) if "src=" not in m.group(1)]
    assert not sourceless, f"a <script> without src: {sourceless}"
    handlers = [tag[:80] for tag in TAG.findall(text) if EVENT_ATTRIBUTE.search(tag)]
    assert not handlers, (
        f"on* attributes (use data-confirm / data-submit-on-change, core/page.js): {handlers}"
    )
    assert "javascript:" not in text.lower()
    assert "|safe" not in text.replace(" ", ""), "data marked safe: use json_script or autoescape"


# What turns a string into markup, and Leaflet's methods that take a string as HTML.
HTML_SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|new Function"
)
LEAFLET_CONTENT = re.compile(
    r"\.(bindTooltip|bindPopup|setContent|setTooltipContent|setPopupContent)\(\s*(?!SafeDom\.|\(\)\s*=>\s*SafeDom\.)"
)


@pytest.mark.parametrize("script", SCRIPTS, ids=_relative)
def test_no_script_builds_html_from_strings(script: Path) -> None:
    text = script.read_text()
    sinks = [match.group(0) for match in HTML_SINKS.finditer(text)]
    assert not sinks, f"HTML from strings: build nodes with textContent (core/safe-dom.js): {sinks}"
    leaflet = [text[match.start() : match.start() + 60] for match in LEAFLET_CONTENT.finditer(text)]
    assert not leaflet, (
        f"Leaflet inserts a string as HTML: pass SafeDom.text(…) or SafeDom.lines(…): {leaflet}"
    )


def test_the_checks_catch_what_they_are_meant_to() -> None:
    assert EVENT_ATTRIBUTE.search('<select name="kind" onchange="this.form.submit()">')
    assert not EVENT_ATTRIBUTE.search('<label data-issuer-only="140900">')
    assert HTML_SINKS.search('legend.innerHTML = "";')
    assert LEAFLET_CONTENT.search(
        'marker.bindTooltip(point.name + " · " + point.level, { direction: "top" });'
    )
    assert not LEAFLET_CONTENT.search("layer.bindPopup(() => SafeDom.lines(p.popup));")


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a view that breaks")


urlpatterns = [path("broken/", _fails), path("", include("yingji.urls"))]


@pytest.mark.parametrize(
    "url",
    [
        "/login/",  # a page
        "/map/",  # a redirect to sign in
        "/no-such-page/",  # the 404 page
        "/api/v1/map/layers",  # an API answer
        "/api/v1/enterprises",  # an API refusal (401)
        "/static/core/safe-dom.js",  # a static file (WhiteNoise)
        "/healthz?q=%00",  # refused before any view (unstorable text, 400)
        "/broken/",  # the 500 page
    ],
)
@override_settings(ROOT_URLCONF=__name__)
def test_every_response_carries_the_content_security_policy(url: str, db: Any) -> None:
    response = Client(raise_request_exception=False).get(url)
    policy = response["Content-Security-Policy"]
    assert policy == settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_csrf_cookie_is_unreadable_to_scripts_and_the_token_is_in_the_page(db: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', response.content.decode())
    assert token is not None
    form = {"username": "nobody", "password": "wrong"}
    assert client.post("/login/", {**form, "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert client.post("/login/", {**form, "csrfmiddlewaretoken": token.group(1)}).status_code == 200
    assert client.post("/login/", form, HTTP_X_CSRFTOKEN=token.group(1)).status_code == 200  # htmx's header
