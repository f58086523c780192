"""Probe: an XSS corpus through every place text reaches a page, loaded in real Chromium.

Payloads go into documents (titles, headings, passages, file names, metadata corrections) and into every
URL parameter of the search page; each page is loaded in Chromium and counts as a failure when a payload
ran (a dialog opened, ``window.__xss`` set, a console/page error from an injected script) or when a
payload's tag turned into a real element. Run::

    python bench/reliability_xss.py [--out DIR]

It prints one table row (test | cases | failures | data lost) and writes the details to DIR/xss.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from serving import Server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# Each payload sets window.__xss (or opens a dialog) if it ever runs; the marker attribute data-x
# finds an element a payload managed to create.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1 data-x>",
    "<svg onload=window.__xss=1 data-x>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1 data-x>",
    '" onmouseover="window.__xss=1" data-x="',
    "' onfocus='window.__xss=1' autofocus data-x='",
    "</textarea><script>window.__xss=1</script>",
    "</title><script>window.__xss=1</script>",
    "<iframe src=javascript:window.top.__xss=1 data-x></iframe>",
    "javascript:window.__xss=1",
    "<a href=javascript:window.__xss=1 data-x>x</a>",
    "<body onload=window.__xss=1 data-x>",
    "<details open ontoggle=window.__xss=1 data-x>",
    "<math><mtext><img src=x onerror=window.__xss=1 data-x>",
    "<scr<script>ipt>window.__xss=1</script>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "\\u003cscript\\u003ewindow.__xss=1\\u003c/script\\u003e",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<input onfocus=window.__xss=1 autofocus data-x>",
    "<object data=javascript:window.__xss=1 data-x>",
    "<svg><script>window.__xss=1</script></svg>",
    "{{7*7}}<b data-x>{{config}}</b>",
    "</mark><img src=x onerror=window.__xss=1 data-x><mark>",
    "<mark>文明</mark><img src=x onerror=window.__xss=1 data-x>",
    "\u2028<img src=x onerror=window.__xss=1 data-x>",
    "%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%20data-x%3E",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1" data-x>',
    "<base href=javascript:/ data-x>",
    "<form action=javascript:window.__xss=1 data-x><button>x</button></form>",
]


def file_name(i: int, payload: str) -> str:
    # Keep what a file name can hold (no slash, no NUL), so tags and quotes reach the pages that show names.
    return f"{i:02d}_" + payload.replace("/", "_").replace(",", "_")[:60] + ".txt"


def corpus(folder: Path) -> None:
    """One report per payload: the payload in its title, a heading, a passage and its file name."""
    for i, p in enumerate(PAYLOADS):
        text = (
            f"延吉市文明城市创建工作总结{p}\n\n"
            f"一、{p}坚持高位推动\n\n"
            f"2023年，延吉市设立路长{p}，志愿服务{p}覆盖全部社区，文明程度明显提升。\n"
        )
        (folder / file_name(i, p)).write_text(text, encoding="utf-8")
    rows = ["file,title"] + [f'{file_name(i, p)},"标题{p.replace(chr(34), chr(34) * 2)}"' for i, p in enumerate(PAYLOADS[:5])]
    (folder / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def page_urls(base: str, doc_ids: list[str]) -> list[tuple[str, str]]:
    urls: list[tuple[str, str]] = []
    for i, p in enumerate(PAYLOADS):
        urls.append((f"q payload {i}", base + "/?" + urlencode({"q": p})))
        urls.append((f"q+payload-as-words {i}", base + "/?" + urlencode({"q": "路长 " + p})))
        for param in ("province", "city", "county", "doc_type", "year", "from", "to", "sort", "page", "limit", "collapse"):
            urls.append((f"{param} payload {i}", base + "/?" + urlencode({"q": "路长", param: p})))
    for doc_id in doc_ids:
        urls.append((f"doc {doc_id}", base + "/doc/" + quote(doc_id)))
    urls.append(("doc payload id", base + "/doc/" + quote(PAYLOADS[0], safe="")))
    urls.append(("search all", base + "/?q=" + quote("路长") + "&limit=100&collapse=0"))
    return urls


def probe(out: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "xss"
        folder.mkdir()
        corpus(folder)
        index_dir = Path(tmp) / "index"
        server = Server(["--index-dir", str(index_dir), "serve", "--port", "0", str(folder)], timeout=300)
        failures: list[dict[str, Any]] = []
        loads = 0
        try:
            import urllib.request

            with urllib.request.urlopen(server.url + "/api/search?" + urlencode({"q": "路长", "limit": 100, "collapse": 0})) as r:
                hits = json.load(r)["hits"]
            doc_ids = sorted({h["doc_id"] for h in hits})
            indexed = len(doc_ids)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context()
                page = context.new_page()
                events: list[str] = []
                page.on("dialog", lambda d: (events.append("dialog " + d.message), d.dismiss()))
                page.on("pageerror", lambda e: events.append("pageerror " + str(e)))
                for name, url in page_urls(server.url, doc_ids):
                    events.clear()
                    page.goto(url)
                    page.wait_for_load_state("load")
                    loads += 1
                    ran = page.evaluate("typeof window.__xss !== 'undefined'")
                    injected = page.evaluate("document.querySelectorAll('[data-x]').length")
                    if ran or injected or events:
                        failures.append({"page": name, "url": url, "ran": ran, "elements": injected, "events": list(events)})
                browser.close()
        finally:
            server.stop()
    report = {"payloads": len(PAYLOADS), "documents": indexed, "page_loads": loads, "failures": failures}
    out.mkdir(parents=True, exist_ok=True)
    (out / "xss.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    lost = len(PAYLOADS) - indexed
    print(
        f"| XSS corpus in Chromium ({len(PAYLOADS)} payloads in titles, headings, passages, file names, corrections"
        f" and every URL parameter) | {loads} page loads | {len(failures)} | {lost} documents not indexed |"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/reliability"))
    probe(parser.parse_args().out)


if __name__ == "__main__":
    main()
