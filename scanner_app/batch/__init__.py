"""`sohoa batch`: a whole day's feeder stack into dossiers and documents, resumable.

- `split`   — where dossiers and documents start (cover sheets, form first pages, separators)
- `journal` — the SQLite journal that makes a run resumable after a crash or kill -9
- `runner`  — orchestration over the lead's page pipeline (local process pool or Dask)
- `report`  — report.csv / report.html for the officer
- `watch`   — hot-folder mode
"""
