"""PDFs from HTML with WeasyPrint (handouts, evidence, and later certificates)."""


def render_pdf(html: str) -> bytes:
    """Render an HTML document to PDF bytes; nothing is fetched from the network."""
    import weasyprint  # imported here: it is heavy and most requests never need it

    return weasyprint.HTML(string=html, base_url=None).write_pdf()
