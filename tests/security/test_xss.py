"""XSS: script-bearing copy renders inert on the public catalogue and the staff pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.factories import create_products, product_record
from tests.staff.conftest import add_staff, login

HEADLINE = "Evening wrap <script>alert('h')</script>"
SUMMARY = 'Calm light "><img src=x onerror=alert(\'s\')> for winding down.'
BODY = "\n\n".join([
    "Relax with it. <script>alert('b')</script>",
    "<img src=x onerror=alert('img')> <iframe src=\"https://evil.example\"></iframe>",
    "[a link](javascript:alert('md')) and <a href=\"javascript:alert('raw')\">raw</a>",
    "<svg onload=alert('svg')></svg> <details open ontoggle=alert('t')>x</details>",
    "Use only as directed; see Precautions.",
])


class ActiveContent(HTMLParser):
    """Collect everything in a page that a browser would run or load as active content."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._data_block = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("type") == "application/ld+json":
                self._data_block = True  # structured data, checked in handle_data
            elif not attrs.get("src"):
                self.found.append("inline <script>")
        if tag in {"iframe", "object", "embed", "frame", "base"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value and \
                    value.strip().lower().replace("\t", "").replace("\n", "").startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._data_block = False

    def handle_data(self, data):
        # A "<" inside a JSON-LD block could close it early and open real markup.
        if self._data_block and "<" in data:
            self.found.append("unescaped < in JSON-LD")


def assert_inert(html: str, where: str):
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    assert parser.found == [], (where, parser.found)


@pytest.fixture()
def hostile(db_session):
    copy = {"headline": HEADLINE, "summary": SUMMARY, "body": BODY}
    (p,) = create_products(db_session, product_record(name="Hostile <b>Belt</b>", copy=copy,
                                                       precautions=["<script>alert('p')</script>"]))
    db_session.commit()
    return p


def test_public_product_page_and_listing(client, hostile):
    page = client.get(f"/products/{hostile.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_inert(html, "product page")
    assert "Relax with it." in html  # the copy is there, only defused
    listing = client.get(f"/products?q={hostile.sku}").get_data(as_text=True)
    assert_inert(listing, "catalogue")
    search = client.get("/products", query_string={"q": "<script>alert('q')</script>"})
    assert_inert(search.get_data(as_text=True), "search echo")


def test_staff_pages(client, db_session, hostile):
    login(client, add_staff(db_session))
    for url in (f"/staff/products/{hostile.id}", f"/staff/products?q={hostile.sku}"):
        html = client.get(url).get_data(as_text=True)
        assert_inert(html, url)
        assert "&lt;script&gt;alert(&#39;h&#39;)&lt;/script&gt;" in html
    live = client.post(f"/staff/products/{hostile.id}/check",
                       json={"headline": HEADLINE, "summary": SUMMARY, "body": BODY}).get_json()
    for field in live["fields"].values():
        assert_inert(field["html"], "live check")


def test_error_pages_do_not_reflect_markup(client):
    resp = client.get("/staff/audit?since=<script>alert(1)</script>")
    assert_inert(resp.get_data(as_text=True), "redirect")
    nf = client.get("/products/<script>alert(1)</script>")
    assert nf.status_code == 404
    assert_inert(nf.get_data(as_text=True), "404")


def test_the_checker_itself_catches_live_payloads():
    for live in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                 '<a href=" javascript:alert(1)">x</a>', "<svg onload=alert(1)>",
                 '<iframe src="https://evil.example"></iframe>',
                 '<script type="application/ld+json">{"a": "</script><script>alert(1)"}</script>'):
        with pytest.raises(AssertionError):
            assert_inert(live, "self-test")
    assert_inert('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src="/static/x.js"></script>', "ok")
