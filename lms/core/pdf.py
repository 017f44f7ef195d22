"""PDFs from HTML with WeasyPrint (handouts, evidence, certificates)."""


def render_pdf(html: str) -> bytes:
    """Render an HTML document to PDF bytes.

    Nothing is fetched from the network or the disk: pictures must be inlined as data: URIs,
    and the fetcher refuses every other URL (a stray <img src="file:///etc/passwd"> or an
    address on the city's network prints nothing).
    """
    import weasyprint  # imported here: it is heavy and most requests never need it

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
