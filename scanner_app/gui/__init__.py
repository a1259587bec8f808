"""PyQt5 desktop app for the one-stop counter (`sohoa gui`)."""
