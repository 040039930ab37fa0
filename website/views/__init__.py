"""Views of the patient's site, one module per part: pages, booking, accounts and calendar files."""
