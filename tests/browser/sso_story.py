"""Staff sign in through a real OpenID provider (oidc-provider's development login and
consent pages) in Chromium: the console shows the person's name and e-mail; a person
without a mapped role sees "no access". Run in parts by tests/api/identity/sso.rs, which
rotates the provider's key between them.

    python sso_story.py <base> <part> <out.json>
"""
import json
import re
import shutil
import sys

from playwright.sync_api import expect, sync_playwright

BASE, PART, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def sign_in(browser, login):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(BASE + "/console/login")
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    # The provider's consent page.
    page.click("button[type=submit]")
    return context, page


def main():
    result = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        if PART == "1":
            context, page = sign_in(browser, "sam")
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Overview"))
            expect(page.locator(".who")).to_contain_text("Sam Leroy")
            expect(page.locator(".who")).to_contain_text("sam@provider.example")
            expect(page.locator(".who")).to_contain_text("SOC lead")
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile("/console/login"))
            context.close()
        else:
            context, page = sign_in(browser, "claire")
            expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Overview"))
            expect(page.locator(".who")).to_contain_text("Claire Martin")
            result["claire_session"] = next(
                c["value"] for c in context.cookies() if c["name"] == "sh_session"
            )
            visitor, vpage = sign_in(browser, "visitor")
            expect(vpage.get_by_role("alert")).to_contain_text("no role of yours gives access")
            expect(vpage.get_by_text("Victor Visitor")).to_be_visible()
            vpage.goto(BASE + "/console")
            expect(vpage).to_have_url(re.compile("/console/login"))
            visitor.close()
            context.close()
        browser.close()
    with open(OUT, "w") as f:
        json.dump(result, f)
    print(f"sso story part {PART}: ok")


if __name__ == "__main__":
    main()
