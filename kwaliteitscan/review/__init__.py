"""The review stage: the session (session.py, pure logic), the terminal front end (terminal.py),
inter-coder agreement (agreement.py) and the spreadsheet round trip (spreadsheet.py)."""
