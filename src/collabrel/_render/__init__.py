"""Private renderers of :mod:`collabrel.reports` (Markdown, HTML, CSV, JSON data, XLSX)."""
