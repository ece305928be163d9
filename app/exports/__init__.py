"""Ring exports: GraphML, JSON, CSV, PNG, SVG, HTML and PDF (shared by the web app and the CLI)."""
