"""Image cleanup, OCR and the page pipeline of sohoa (acquire -> clean -> OCR)."""
