"""kwaliteitscan: code Dutch MBO kwaliteitsagenda's against a codebook on stagediscriminatie.

The library is usable without the CLI, e.g. from a notebook:

    from kwaliteitscan.extract import extract_file
    doc = extract_file("corpus/roc-middenveld-2024.pdf")
    print(doc.pages[0].text)
"""

__version__ = "0.1.0"
