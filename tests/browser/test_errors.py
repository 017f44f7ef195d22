"""Error answers to htmx-boosted forms are shown, not swallowed."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_an_expired_form_shows_the_error_page(live_server, browser, indonesian):
    context = browser.new_context(base_url=live_server, **PHONE)
    page = context.new_page()
    try:
        page.goto("/masuk")
        # As if the form had sat open past a server restart with a new key.
        page.locator("input[name=csrf_token]").evaluate("el => el.value = 'stale'")
        page.locator("#identifier").fill("199001012015031001")
        page.locator("#password").fill("demo-bina-2026")
        page.locator("#login-form").get_by_role("button").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(indonesian("Bad request"))
        expect(page.locator("main")).to_contain_text(
            indonesian("The form has expired or was not sent from this site. Please try again.")
        )
        expect(page.locator("html")).to_have_attribute("lang", "id")
    finally:
        context.close()


def test_a_link_followed_without_connection_says_so(phone, indonesian, expected_problems):
    """htmx would otherwise leave the page as it was, as if the tap had not been felt."""
    expected_problems += [
        re.compile(r"ERR_INTERNET_DISCONNECTED"),
        re.compile(r"htmx:(sendError|afterRequest)"),
    ]
    phone.goto("/")
    banner = phone.locator("#no-connection")
    expect(banner).to_be_hidden()
    phone.context.set_offline(True)
    phone.get_by_role("navigation", name=indonesian("Main menu")).get_by_role(
        "link", name=indonesian("Courses")
    ).click()
    expect(banner).to_be_visible()
    expect(banner).to_have_text(
        indonesian("No connection: nothing was sent. Check the connection and try again.")
    )
    phone.context.set_offline(False)
    phone.get_by_role("navigation", name=indonesian("Main menu")).get_by_role(
        "link", name=indonesian("Courses")
    ).click()
    expect(phone).to_have_url(re.compile(r"/kursus"))
    expect(banner).to_be_hidden()
