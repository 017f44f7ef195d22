"""A civil servant on a phone: log in by NIP, switch language, log out; a mistyped NIP."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
NIP = "199001012015031001"
PASSWORD = "demo-bina-2026"


def fits_phone(page: Page) -> None:
    """Assert that the page does not scroll sideways on a 360 px wide screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_asn_logs_in_switches_to_english_and_logs_out(phone: Page, indonesian):
    phone.goto("/")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    fits_phone(phone)
    screenshot(phone, "landing-id")
    form = phone.locator("#login-form")
    form.locator("#identifier").fill(NIP)
    form.locator("#password").fill(PASSWORD)
    form.get_by_role("button").click()

    header = phone.locator("header")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Ahmad Fauzi")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    expect(phone.get_by_role("heading", name=indonesian("My learning"))).to_be_visible()
    expect(header.get_by_role("button", name=indonesian("Log out"))).to_be_visible()
    assert phone.url.endswith("/")
    fits_phone(phone)
    screenshot(phone, "home-id")

    header.get_by_role("link", name="EN", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name="My learning")).to_be_visible()
    log_out = header.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    if indonesian("Log out") != "Log out":
        expect(phone.get_by_text(indonesian("Log out"), exact=True)).to_have_count(0)
    fits_phone(phone)
    screenshot(phone, "home-en")

    log_out.click()
    expect(phone.get_by_text("You have logged out.")).to_be_visible()
    expect(phone.locator("#login-form")).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)
    assert phone.url.endswith("/")
    fits_phone(phone)


def test_malformed_nip_is_shown_next_to_the_field(phone: Page, indonesian):
    phone.goto("/masuk")
    form = phone.locator("#login-form")
    identifier = form.locator("#identifier")
    identifier.fill("199013012015031001")  # born in month 13
    form.locator("#password").fill(PASSWORD)
    form.get_by_role("button").click()

    expect(phone.locator("#identifier-err")).to_have_text(
        indonesian("Digits 1–8 of the NIP must be a valid birth date (yyyymmdd).")
    )
    expect(identifier).to_have_value("199013012015031001")
    expect(identifier).to_have_attribute("aria-invalid", "true")
    expect(identifier).to_have_attribute("aria-describedby", "identifier-err")
    expect(phone.locator("header button")).to_have_count(0)  # nobody is logged in
    assert phone.url.endswith("/masuk")
    fits_phone(phone)
    screenshot(phone, "login-error")
