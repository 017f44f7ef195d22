"""An admin searches people as they type; the list updates in place, the address follows."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_flow import PASSWORD, fits_phone, screenshot

pytestmark = pytest.mark.browser


def test_people_search_updates_the_list_as_one_types(phone: Page, indonesian):
    phone.goto("/masuk")
    phone.locator("#identifier").fill("admin@bina.demo")
    phone.locator("#password").fill(PASSWORD)
    phone.locator("#login-form").get_by_role("button").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Andi Rahmawati")

    phone.goto("/admin/pengguna")
    rows = phone.locator("#people-list tbody tr")
    expect(rows).to_have_count(5)
    # A marker on the window survives only if the page is not reloaded.
    phone.evaluate("window.__sameDocument = true")
    phone.get_by_role("searchbox").press_sequentially("nurul", delay=40)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nurul Hidayah")
    assert phone.evaluate("window.__sameDocument") is True
    assert "q=nurul" in phone.url  # the search can be bookmarked and shared

    phone.get_by_role("searchbox").fill("tidak ada orang ini")
    expect(phone.locator("#people-list")).to_contain_text(indonesian("Nobody matches this search."))
    fits_phone(phone)
    screenshot(phone, "people-search")
