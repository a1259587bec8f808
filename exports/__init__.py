"""Output side of sohoa: searchable PDF/A, result JSON, dossier store, packages, signatures."""
