"""The console in a real browser: the whole story, role by role, with JavaScript off
(the console needs none), screenshots of each main screen at desktop and phone widths,
and an accessibility check (axe-core, vendored) on each of them.

Run by the Rust test `console::browser` with the app already running and seeded:
    python console_story.py <base-url> <fixture.json> <screenshot-dir>
fixture.json: {"tokens": {role: jwt}, "customer": id, "other_customer": id}
Exit status 0 means every step passed.
"""

import json
import os
import re
import shutil
import sys

from playwright.sync_api import expect, sync_playwright

BASE, FIXTURE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
fixture = json.load(open(FIXTURE))
TOKENS = fixture["tokens"]
CUSTOMER = fixture["customer"]
OTHER = fixture["other_customer"]
AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
serious = []


def sign_in(page, role):
    page.goto(BASE + "/console/login")
    page.get_by_label(re.compile("Access token|Jeton d'accès|Zugriffstoken")).fill(TOKENS[role])
    page.get_by_role("button", name=re.compile("^(Sign in|Se connecter|Anmelden)$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Overview|Vue d'ensemble|Übersicht"))


def sign_out(page):
    page.get_by_role("button", name=re.compile("Sign out|Se déconnecter")).click()
    expect(page).to_have_url(re.compile("/console/login"))


def flash_ok(page):
    expect(page.locator(".flash.ok")).to_be_visible()


def shoot(browser, name, path, role, lang="en"):
    """Screenshots `path` as `role` at both widths, and checks it with axe."""
    for size, viewport in SIZES.items():
        # The console's CSP refuses injected scripts, axe included: the accessibility
        # check alone runs with it bypassed (the story below keeps it on).
        context = browser.new_context(viewport=viewport, locale=lang, bypass_csp=True)
        page = context.new_page()
        sign_in(page, role)
        page.goto(BASE + path)
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}.png"), full_page=True)
        if size == "desktop":
            page.add_script_tag(path=AXE)
            result = page.evaluate("""async () => {
                const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']});
                return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
            }""")
            serious.extend(f"{name}: {v}" for v in result)
        context.close()


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        story = browser.new_context(java_script_enabled=False, viewport=SIZES["desktop"], locale="en-GB")
        page = story.new_page()

        # Sign-in refuses a bad token.
        page.goto(BASE + "/console/login")
        page.get_by_label("Access token").fill("not-a-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("not valid")

        # Account manager: sells a pack and raises a quote on the customer's page.
        sign_in(page, "account_manager")
        page.get_by_role("link", name="Acme").click()
        page.locator("#pack-units").fill("20.00")
        page.get_by_label("Order reference").fill("PO-118")
        page.get_by_role("button", name="Sell a pack").click()
        flash_ok(page)
        expect(page.locator(".figures")).to_contain_text("20.00")
        page.locator("#quote-units").fill("10.00")
        page.locator("#quote-reason").fill("Top-up for Q1")
        page.get_by_role("button", name="Raise a top-up quote").click()
        flash_ok(page)
        page.goto(BASE + "/console")
        expect(page.get_by_role("heading", name="Open quotes")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Top-up for Q1")
        sign_out(page)

        shoot(browser, "account-manager", "/console", "account_manager")
        shoot(browser, "customer-page", f"/console/customers/{CUSTOMER}", "account_manager")
        shoot(browser, "soc-lead", "/console?week=2026-11-30", "soc_lead")

        # SOC lead: the request queue with its SLA clocks, a SoW drafted and submitted.
        sign_in(page, "soc_lead")
        expect(page.locator("main")).to_contain_text("Migrate the firewall rules")
        page.get_by_role("link", name="Draft a statement of work").first.click()
        page.get_by_label("Title").fill("Firewall migration")
        page.get_by_label("Activities").fill("Migrate and test the rule base")
        page.get_by_label("Planned sessions").fill("2")
        page.get_by_label("Planned units").fill("8.00")
        page.get_by_label("Acceptance criteria").fill("Rules active and tested")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Firewall migration")
        sow_url = page.url.split("?")[0]
        page.get_by_role("button", name="Submit to the customer").click()
        flash_ok(page)
        sign_out(page)

        # Another customer cannot see it.
        sign_in(page, "other_customer")
        response = page.goto(sow_url)
        assert response.status == 404, f"another customer saw the SoW: {response.status}"
        page.goto(BASE + "/console")
        expect(page.locator("main")).not_to_contain_text("Firewall migration")
        sign_out(page)

        shoot(browser, "customer-approval", "/console", "customer", lang="fr-FR")
        shoot(browser, "sow-to-approve", sow_url.replace(BASE, ""), "customer")

        # The customer approves, seeing what approval reserves.
        sign_in(page, "customer")
        page.get_by_role("link", name="Firewall migration").click()
        expect(page.locator("main")).to_contain_text("Approving reserves 8.00")
        page.get_by_role("button", name="Approve").click()
        flash_ok(page)
        expect(page.locator("main")).to_contain_text("in force")
        sign_out(page)

        # SOC lead: schedules two sessions (times in Paris), delivers one after seeing
        # its price, and looks at the week.
        sign_in(page, "soc_lead")
        page.goto(sow_url)
        for start, end in [("2026-12-01T08:00", "2026-12-01T09:00"), ("2026-12-01T07:00", "2026-12-01T08:00")]:
            page.get_by_label("Starts").fill(start)
            page.get_by_label("Ends").fill(end)
            page.get_by_role("button", name="Schedule a session").click()
            flash_ok(page)
        sessions = [a.get_attribute("href") for a in page.locator("a[href^='/console/sessions/']").all()]
        assert len(sessions) == 2, sessions
        for href in sessions:
            page.goto(BASE + href)
            page.get_by_role("button", name="Show the price").click()
            expect(page.get_by_role("heading", name="Price before confirming")).to_be_visible()
            expect(page.locator("#price-units")).to_have_text("1.50")
            page.get_by_role("button", name="Confirm").click()
            flash_ok(page)
            expect(page.locator("#session-status")).to_have_text("delivered, awaiting acceptance")
        page.goto(BASE + "/console?week=2026-11-30")
        expect(page.get_by_role("heading", name="Sessions of the week")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Acme")
        sign_out(page)

        shoot(browser, "customer", "/console", "customer", lang="fr-FR")
        shoot(browser, "session", sessions[1], "customer")
        # In German (the browser asks for it): statuses, deadlines (the end of the day
        # before a 00:00 deadline) and the weekday, in German words.
        shoot(browser, "customer-de", "/console", "customer", lang="de-DE")
        german = browser.new_context(java_script_enabled=False, viewport=SIZES["desktop"], locale="de-DE")
        gpage = german.new_page()
        sign_in(gpage, "customer")
        expect(gpage.locator("html")).to_have_attribute("lang", "de")
        expect(gpage.locator("main")).to_contain_text("Sitzungen, die auf Ihre Abnahme warten")
        expect(gpage.locator("main")).to_contain_text("Abnahme bis")
        expect(gpage.locator("main")).to_contain_text("Tagesende")
        german.close()

        # The customer: sessions awaiting acceptance with their deadline; accepts one,
        # complains about the other, evaluates.
        sign_in(page, "customer")
        expect(page.locator("main")).to_contain_text("Sessions awaiting your acceptance")
        expect(page.locator("main")).to_contain_text("Accept by")
        page.goto(BASE + sessions[0])
        page.get_by_role("button", name="Accept").click()
        flash_ok(page)
        expect(page.locator("#session-status")).to_have_text("accepted")
        page.get_by_role("radio", name=re.compile("^5")).check()
        page.get_by_role("button", name="Evaluate").click()
        flash_ok(page)
        page.goto(BASE + sessions[1])
        # A second tab keeps the delivered session's form open, to complain again later.
        stale = page.context.new_page()
        stale.goto(BASE + sessions[1])
        page.locator("#k-reason").fill("Only half of the rules were migrated")
        page.get_by_role("button", name="Complain").click()
        flash_ok(page)
        expect(page.locator("#session-status")).to_have_text("disputed")
        # A refusal shows the problem's message: the customer complains again from the
        # stale tab, and the service's refusal is what the page says.
        stale.locator("#k-reason").fill("And the rest too")
        stale.get_by_role("button", name="Complain").click()
        expect(stale.locator(".flash.error")).to_contain_text("complaint")
        expect(stale.locator(".flash.ok")).to_have_count(0)
        stale.close()
        sign_out(page)

        shoot(browser, "soc-manager", "/console", "soc_manager")

        # SOC manager: decides the complaint with a partial reversal.
        sign_in(page, "soc_manager")
        page.get_by_role("link", name=re.compile("Only half")).click()
        page.get_by_label(re.compile("Units to credit back")).fill("0.50")
        page.get_by_label("Reason").fill("Partly redone")
        page.get_by_role("button", name="Decide").click()
        flash_ok(page)
        expect(page.locator("#session-status")).to_have_text("complaint decided")
        sign_out(page)

        # The customer sees the credit in the balance and reads the month's statement.
        sign_in(page, "customer")
        page.goto(BASE + f"/console/customers/{CUSTOMER}")
        expect(page.locator(".figures")).to_contain_text("17.50")
        page.get_by_role("link", name="2026-12").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2026-12")
        sign_out(page)

        # In French.
        fr = browser.new_context(java_script_enabled=False, locale="fr-FR", extra_http_headers={"Accept-Language": "fr-FR,fr"})
        page = fr.new_page()
        page.goto(BASE + "/console/login")
        expect(page.get_by_role("heading", name="M'envoyer un lien de connexion")).to_be_visible()
        expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
        fr.close()
        story.close()

        # The remaining screens, both widths, with the accessibility check.
        shoot(browser, "login", "/console/login", "account_manager")
        shoot(browser, "sow", sow_url.replace(BASE, ""), "soc_lead")
        shoot(browser, "statement", f"/console/customers/{CUSTOMER}/statements/2026-12", "customer")
        browser.close()
    if serious:
        print("serious accessibility violations:\n" + "\n".join(serious))
        sys.exit(1)
    print("console story: ok")


if __name__ == "__main__":
    main()
