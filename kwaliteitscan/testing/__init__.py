"""Tools for the demo corpus and the tests, not part of the product (the product never imports
them; tests/test_layout.py checks it). demo_pdf.py renders Markdown agendas to PDF and needs
the `render` extra (reportlab, pyphen)."""
