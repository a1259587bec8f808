"""Front ends of sohoa (CLI, desktop app) and the scanner drivers behind them."""
