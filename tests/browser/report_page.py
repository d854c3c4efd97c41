"""The baseline assessment report in a real browser: the SOC writes and issues it in
the console, the customer reads the printable page; screenshots of the page on screen
and in print media, an A4 PDF printed from it, and an accessibility check (axe-core).

Run by the Rust test `console::report_print` with the app running and seeded:
    python report_page.py <base-url> <fixture.json> <screenshot-dir>
fixture.json: {"tokens": {"soc_lead": jwt, "customer": jwt}, "sow": id}
Exit status 0 means every step passed.
"""

import json
import os
import re
import shutil
import sys
import tempfile

from playwright.sync_api import expect, sync_playwright

BASE, FIXTURE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
fixture = json.load(open(FIXTURE))
TOKENS = fixture["tokens"]
SOW = fixture["sow"]
AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sign_in(page, role):
    page.goto(BASE + "/console/login")
    page.get_by_label(re.compile("Access token|Jeton d'accès")).fill(TOKENS[role])
    page.get_by_role("button", name=re.compile("Sign in|Se connecter")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Overview|Vue d'ensemble"))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)

        # The SOC lead writes two findings and issues the report, without JavaScript.
        soc = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = soc.new_page()
        sign_in(page, "soc_lead")
        page.goto(f"{BASE}/console/sows/{SOW}")
        page.get_by_role("link", name="Write the report").click()
        page.get_by_label("Summary").fill(
            "The perimeter is mostly sound; one service is exposed and patching lags on two hosts.")
        page.locator("#f0-title").fill("Remote desktop reachable from the Internet")
        page.locator("#f0-severity").select_option("critical")
        page.locator("#f0-assets").fill("fw-edge-01, rdp-gw-02")
        page.locator("#f0-observation").fill("TCP 3389 answers from any source address.")
        page.locator("#f0-recommendation").fill("Close the port at the edge; reach the gateway through the VPN only.")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.locator(".flash.ok")).to_be_visible()
        page.locator("#f1-title").fill("Security updates three months behind")
        page.locator("#f1-severity").select_option("medium")
        page.locator("#f1-assets").fill("srv-app-01, srv-app-02")
        page.locator("#f1-observation").fill("The last cumulative update installed dates from September.")
        page.locator("#f1-recommendation").fill("Apply updates monthly in the existing maintenance window.")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.locator(".flash.ok")).to_be_visible()
        page.get_by_role("button", name="Issue this version").click()
        expect(page.locator("#report-version")).to_have_text("1")
        soc.close()

        # The customer reads it: screen, then print media, then an A4 PDF.
        reader = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
        page = reader.new_page()
        sign_in(page, "customer")
        page.goto(f"{BASE}/console/sows/{SOW}/report")
        headings = page.locator("h3.sev").all_inner_texts()
        assert headings == ["Critical (1)", "Medium (1)"], headings
        expect(page.locator("header.top")).to_be_visible()
        page.screenshot(path=os.path.join(SHOTS, "report-desktop.png"), full_page=True)
        page.add_script_tag(path=AXE)
        serious = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
        }""")
        assert not serious, serious
        page.emulate_media(media="print")
        expect(page.locator("header.top")).to_be_hidden()
        expect(page.locator(".report-tools")).to_be_hidden()
        expect(page.locator(".finding").first).to_be_visible()
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=os.path.join(SHOTS, "report-print.png"), full_page=True)
        with tempfile.TemporaryDirectory() as tmp:
            pdf = os.path.join(tmp, "report.pdf")
            page.pdf(path=pdf, prefer_css_page_size=True)
            with open(pdf, "rb") as f:
                head = f.read(5)
            assert head == b"%PDF-", head
        reader.close()
        browser.close()
    print("report page: ok")


if __name__ == "__main__":
    main()
